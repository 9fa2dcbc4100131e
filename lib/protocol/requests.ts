/**
 * Schemas of the requests a client sends. Unknown fields are stripped; a missing or
 * mistyped field is a `bad_frame`. Optional fields may also be `null`, meaning absent.
 * Rules on the content of a well-typed field (an empty name, a long text) are checked by
 * the handlers, which answer with the field's own error code.
 */
import { z } from "zod";
import { HISTORY_MAX_LIMIT, MAX_CID, MAX_REPORT_REASON } from "./limits.ts";
import { codePoints, isBlank } from "./names.ts";

const str = z.string();
const optStr = z.string().nullish().transform((v) => v ?? undefined);
const cid = z.string().min(1).refine((v) => codePoints(v) <= MAX_CID, {
  message: `at most ${MAX_CID} characters`,
}).nullish().transform((v) => v ?? undefined);
const msgidField = z.string().nullish().transform((v) => v ?? undefined);

/** The request id: a string or a (safe) integer, echoed in the reply. */
export const RequestId = z.union([z.string(), z.int()]);
export type RequestId = z.infer<typeof RequestId>;

/** Default and largest `limit` of `search`. */
export const SEARCH_DEFAULT_LIMIT = 20;
export const SEARCH_MAX_LIMIT = 100;

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
  // Version 1.1: `kind` "action" is a `/me` line; any other kind is a bad frame.
  say: z.object({
    room: str,
    text: str,
    cid,
    kind: z.enum(["text", "action"]).optional(),
  }),
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
  // Version 1.1 `search`. The query's content (empty, too long, nothing searchable) is
  // checked by the handler (`invalid_query`); a `limit` out of range is a bad frame.
  search: z.object({
    query: str,
    room: optStr,
    with: optStr,
    from: optStr,
    before: msgidField,
    limit: z.int().min(1).max(SEARCH_MAX_LIMIT).nullish().transform((v) => v ?? undefined),
  }).refine((r) => r.room === undefined || r.with === undefined, {
    message: "give at most one of room and with",
  }),
  // Version 1.1: a msgid that is not one names no message (`no_such_message`, by the handler).
  edit: z.object({ msgid: str, text: str }),
  delete: z.object({ msgid: str }),
  // Version 1.1. A topic's length and characters are checked by the handler (`invalid_topic`).
  topic: z.object({ room: str, topic: str }),
  mark_read: z.object({ room: optStr, with: optStr, msgid: str }).refine(
    (r) => (r.room === undefined) !== (r.with === undefined),
    { message: "give exactly one of room and with" },
  ),
  unread: z.object({}),
  // A reason outside 1..500 characters (or only spaces) is a bad frame, like a `limit`
  // out of range: `report` has no error code of its own for it.
  report: z.object({
    msgid: str,
    reason: str.refine((v) => !isBlank(v) && codePoints(v) <= MAX_REPORT_REASON, {
      message: `1 to ${MAX_REPORT_REASON} characters, not only spaces`,
    }),
  }),
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

/**
 * Requests of protocol version 1.1 (PROTOCOL.md, "Requests added") as a client sends them,
 * and the fields 1.1 adds to version 1 requests, typed for clients. A server validates only
 * what it implements ({@linkcode REQUEST_SCHEMAS}); where a request has both, a client's
 * request obeys both. A client offers a 1.1 request only when `welcome.features` lists it.
 */
export interface Version11Requests {
  say: { kind?: "text" | "action" };
  edit: { msgid: string; text: string };
  delete: { msgid: string };
  topic: { room: string; topic: string };
  mark_read: { room: string; with?: never; msgid: string } | {
    with: string;
    room?: never;
    msgid: string;
  };
  unread: Record<never, never>;
  search: {
    query: string;
    room?: string;
    with?: string;
    from?: string;
    before?: string;
    limit?: number;
  };
  report: { msgid: string; reason: string };
}

/** A request type a client may send: version 1 and 1.1. */
export type ClientRequestType = RequestType | keyof Version11Requests;

/** The fields a client gives for a request of type `T` (before `type` and `id`). */
export type ClientRequestFields<T extends ClientRequestType> =
  & (T extends RequestType ? _Given<z.input<(typeof REQUEST_SCHEMAS)[T]>> : unknown)
  & (T extends keyof Version11Requests ? Version11Requests[T] : unknown);

/** A schema's input type; that of a schema without fields (`{}`, read as a record of `never`) is `unknown`. */
type _Given<Input> = string extends keyof Input ? unknown : Input;

/** A request as a client builds it: its `type` and its fields; the connection adds `id`. */
export type ClientRequest = {
  [T in ClientRequestType]: { type: T } & ClientRequestFields<T>;
}[ClientRequestType];
