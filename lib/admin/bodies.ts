/**
 * Schemas of the admin API's request bodies and query strings, and the one function that
 * turns a failed parse into a 400 with a sentence naming the field.
 */
import { z } from "zod";
import { MAX_TOPIC } from "../protocol/limits.ts";
import { HttpError } from "./http.ts";
import { parseDuration } from "../common/duration.ts";

const name = z.string().trim().min(1, "must not be empty").max(256, "is too long");
const reason = z.string().max(500, "is at most 500 characters").nullish()
  .transform((v) => v?.trim() ?? "");
const duration = z.string().transform((text, ctx) => {
  const parsed = parseDuration(text);
  if ("error" in parsed) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return parsed.ms;
});
const topic = z.string().max(MAX_TOPIC, `is at most ${MAX_TOPIC} characters`).nullish()
  .transform((v) => (v === undefined || v === null || v.trim() === "" ? null : v));

/** `POST /api/login`. */
export const LoginBody = z.object({
  user: z.string().max(256, "is too long"),
  password: z.string().max(1024, "is too long"),
});

/** `POST /api/kick` and `POST /api/mute`. */
export const TimedSanctionBody = z.object({ user: name, duration, reason });

/** `POST /api/ban`. */
export const BanBody = z.object({ user: name, reason });

/**
 * `POST /api/shutdown`: `delay` in whole seconds (default 10); `scope` `instance` (default:
 * the instance the request reached) or `cluster` (every instance of its cluster).
 */
export const ShutdownBody = z.object({
  scope: z.enum(["instance", "cluster"], 'must be "instance" or "cluster"').nullish()
    .transform((v) => v ?? "instance"),
  message: z.string().max(500, "is at most 500 characters").nullish()
    .transform((v) => v?.trim() || "The server is shutting down."),
  delay: z.int("must be a whole number of seconds").min(0, "must be 0 or more")
    .max(3600, "is at most 3600 seconds").nullish().transform((v) => v ?? 10),
});

/** `POST /api/rooms`. */
export const CreateRoomBody = z.object({ name: z.string(), topic });

/** `PUT /api/rooms/{name}/topic`. */
export const TopicBody = z.object({ topic });

/** `GET /api/messages` query: `limit` (1..200, default 50), `room`, `user`. */
export const MessagesQuery = z.object({
  limit: z.string().regex(/^\d+$/, "must be a whole number").transform(Number)
    .pipe(z.int().min(1, "must be at least 1").max(200, "must be at most 200")).optional()
    .transform((v) => v ?? 50),
  room: z.string().trim().optional().transform((v) => v || undefined),
  user: z.string().trim().optional().transform((v) => v || undefined),
});

/** `PUT /api/rooms/{name}/slowmode`: `seconds` from 0 (off) to 3600. */
export const SlowModeBody = z.object({
  seconds: z.int("must be a whole number of seconds").min(0, "must be 0 or more")
    .max(3600, "is at most 3600 seconds"),
});

/** `GET /api/reports` query: `status` (open, the default, or closed), `limit` (1..500). */
export const ReportsQuery = z.object({
  status: z.enum(["open", "closed"], "must be open or closed").optional()
    .transform((v) => v ?? "open"),
  limit: z.string().regex(/^\d+$/, "must be a whole number").transform(Number)
    .pipe(z.int().min(1, "must be at least 1").max(500, "must be at most 500")).optional()
    .transform((v) => v ?? 100),
});

/** `POST /api/reports/{id}`. */
export const ResolveReportBody = z.object({
  action: z.enum(["dismiss", "delete"], "must be dismiss or delete"),
});

/**
 * `POST /api/address-bans`: `address` (an IPv4/IPv6 address or CIDR network, checked by
 * the server), `duration` (absent or null: permanent), `reason`.
 */
export const AddressBanBody = z.object({
  address: z.string().trim().min(1, "must not be empty").max(64, "is too long"),
  duration: duration.nullish().transform((v) => v ?? null),
  reason,
});

/** `GET /api/audit` query: `limit` (1..1000, default 200). */
export const AuditQuery = z.object({
  limit: z.string().regex(/^\d+$/, "must be a whole number").transform(Number)
    .pipe(z.int().min(1, "must be at least 1").max(1000, "must be at most 1000")).optional()
    .transform((v) => v ?? 200),
});

/** Parses `value` with `schema`, or throws a 400 naming the first bad field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what = "body",
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpError(400, "bad_request", describe(result.error, what));
}

function describe(error: z.ZodError, what: string): string {
  const issue = error.issues[0];
  if (!issue) return `Cannot read ${what}.`;
  if (issue.path.length === 0) {
    return `Cannot read ${what}: it must be a JSON object.`;
  }
  const field = issue.path.join(".");
  if (issue.code === "custom") return issue.message;
  if (issue.code === "invalid_type") {
    const expected = issue.expected === "int" ? "a whole number" : `a ${issue.expected}`;
    const missing = issue.message.includes("undefined");
    return missing
      ? `Cannot read ${what}: field "${field}" is missing.`
      : `Cannot read ${what}: field "${field}" must be ${expected}.`;
  }
  return `Cannot read ${what}: field "${field}" ${issue.message}.`;
}
