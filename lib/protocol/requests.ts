/**
 * Schemas of the requests a client sends. Unknown fields are stripped; a missing or
 * mistyped field is a `bad_frame`. Optional fields may also be `null`, meaning absent.
 * Rules on the content of a well-typed field (an empty name, a long text) are checked by
 * the handlers, which answer with the field's own error code.
 */
import { z } from "zod";
import { HISTORY_MAX_LIMIT, MAX_CID } from "./limits.ts";
import { codePoints } from "./names.ts";

const str = z.string();
const optStr = z.string().nullish().transform((v) => v ?? undefined);
const cid = z.string().min(1).refine((v) => codePoints(v) <= MAX_CID, {
  message: `at most ${MAX_CID} characters`,
}).nullish().transform((v) => v ?? undefined);
const msgidField = z.string().nullish().transform((v) => v ?? undefined);

/** The request id: a string or a (safe) integer, echoed in the reply. */
export const RequestId = z.union([z.string(), z.int()]);
export type RequestId = z.infer<typeof RequestId>;

/** Field schemas by request type. */
export const REQUEST_SCHEMAS = {
  register: z.object({ user: str, password: str }),
  // Version 1.1: `token` instead of `password` (a resume token); both, or neither, is a
  // bad frame, so that no client ever wonders which one was checked.
  login: z.object({ user: str, password: optStr, token: optStr }).refine(
    (r) => (r.password === undefined) !== (r.token === undefined),
    { message: "give exactly one of password and token" },
  ),
  password: z.object({ old: str, new: str }),
  logout: z.object({}),
  ping: z.object({}),
  rooms: z.object({ after: optStr }),
  create_room: z.object({ room: str, topic: optStr }),
  join: z.object({ room: str, after: msgidField }),
  leave: z.object({ room: str }),
  say: z.object({ room: str, text: str, cid }),
  dm: z.object({ to: str, text: str, cid }),
  history: z.object({
    room: optStr,
    with: optStr,
    before: msgidField,
    after: msgidField,
    limit: z.int().min(1).max(HISTORY_MAX_LIMIT).nullish().transform((v) => v ?? undefined),
  }).refine((r) => (r.room === undefined) !== (r.with === undefined), {
    message: "give exactly one of room and with",
  }).refine((r) => r.before === undefined || r.after === undefined, {
    message: "give at most one of before and after",
  }),
  who: z.object({ room: str }),
} as const;

/** A request type the server knows. */
export type RequestType = keyof typeof REQUEST_SCHEMAS;

/** The validated fields of a request of type `T`. */
export type RequestFields<T extends RequestType> = z.infer<(typeof REQUEST_SCHEMAS)[T]>;

/** Whether `type` names a known request. */
export function isRequestType(type: string): type is RequestType {
  return Object.hasOwn(REQUEST_SCHEMAS, type);
}

/** A short sentence describing why `fields` failed its schema. */
export function describeIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "The frame is not a valid request.";
  const path = first.path.length > 0 ? first.path.join(".") : "frame";
  return `Invalid field ${path}: ${first.message}`;
}
