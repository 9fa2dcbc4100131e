/**
 * From one received line to one answer: decode, check the envelope (`type`, `id`), look the
 * command up, check login, validate fields, run the handler with the request's reply
 * context, map its errors to codes. Every request is answered exactly once.
 */
import { ERROR_MESSAGES, type ErrorCode, RequestError } from "../../protocol/error_codes.ts";
import { MAX_BAD_FRAMES_IN_A_ROW } from "../../protocol/limits.ts";
import {
  describeIssues,
  isRequestType,
  REQUEST_SCHEMAS,
  RequestId,
  type RequestType,
} from "../../protocol/requests.ts";
import { errorFrame } from "../../protocol/server_frames.ts";
import { StoreUnavailableError } from "../../store/store.ts";
import { COMMANDS } from "./commands.ts";
import type { ChatCore } from "../chat/core.ts";
import { RequestContext } from "./context.ts";
import type { Session } from "../net/session.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Requests charged to the connection's read budget: they answer with stored or listed data. */
const READS: ReadonlySet<RequestType> = new Set<RequestType>(["history", "join", "rooms", "who"]);

type Envelope =
  | { ok: true; type: RequestType; id: RequestId; frame: Record<string, unknown> }
  | { ok: false; code: ErrorCode; message: string; id?: RequestId };

function readEnvelope(bytes: Uint8Array): Envelope {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    // Answered with its id when one can still be read (the bytes that are not UTF-8 may
    // sit in another field).
    return {
      ok: false,
      code: "bad_frame",
      message: "The frame is not valid UTF-8.",
      id: lenientId(bytes),
    };
  }
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { ok: false, code: "bad_frame", message: "The frame is not valid JSON." };
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
    return { ok: false, code: "bad_frame", message: "The frame is not a JSON object." };
  }
  const record = frame as Record<string, unknown>;
  const parsedId = RequestId.safeParse(record.id);
  const id = parsedId.success ? parsedId.data : undefined;
  if (typeof record.type !== "string") {
    return { ok: false, code: "bad_frame", message: "The frame has no string field type.", id };
  }
  if (id === undefined) {
    return {
      ok: false,
      code: "bad_frame",
      message: "A request needs an id: a string or an integer.",
    };
  }
  if (!isRequestType(record.type)) {
    return {
      ok: false,
      code: "unknown_type",
      message: `Unknown request type ${JSON.stringify(record.type)}.`,
      id,
    };
  }
  return { ok: true, type: record.type, id, frame: record };
}

/** The `id` of a frame that is not valid UTF-8, read with replacement characters, if any. */
function lenientId(bytes: Uint8Array): RequestId | undefined {
  try {
    const frame = JSON.parse(lenientDecoder.decode(bytes));
    const parsed = RequestId.safeParse(frame?.id);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const lenientDecoder = new TextDecoder();

/** The first string field holding a lone surrogate, or null (no allocation per frame). */
function malformedField(fields: Record<string, unknown>): string | null {
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === "string" && !value.isWellFormed()) return key;
  }
  return null;
}

/** Handles one received line; resolves when the next line may be handled. */
export async function dispatch(core: ChatCore, session: Session, line: Uint8Array): Promise<void> {
  const envelope = readEnvelope(line);
  if (!envelope.ok) {
    badFrame(core, session, envelope.code, envelope.message, envelope.id);
    return;
  }
  const { type, id } = envelope;
  const command = COMMANDS[type];
  const parsed = REQUEST_SCHEMAS[type].safeParse(envelope.frame);
  if (!parsed.success) {
    badFrame(core, session, "bad_frame", describeIssues(parsed.error), id);
    return;
  }
  const malformed = malformedField(parsed.data);
  if (malformed !== null) {
    badFrame(
      core,
      session,
      "bad_frame",
      `Invalid field ${malformed}: not valid Unicode (a lone surrogate escape).`,
      id,
    );
    return;
  }
  // A valid frame ends a run of bad ones, unless its handler finds it bad after all (below).
  const badBefore = session.badFrames;
  session.badFrames = 0;
  session.lastActive = core.clock();
  const ctx = new RequestContext(core, session, id);
  if (command.needsLogin && !session.account) {
    ctx.fail("not_logged_in", "Log in first.");
    return;
  }
  const isRead = READS.has(type);
  if (isRead) {
    // Over budget: wait (the connection's next requests wait with it), never refuse.
    const wait = session.readBudget.delayMs();
    if (wait > 0) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      if (session.closing) return;
    }
  }
  if (core.stopping) {
    ctx.fail("unavailable", "The server is shutting down.");
    return;
  }
  const sentBefore = session.replyBytesSent;
  try {
    // deno-lint-ignore no-explicit-any
    await command.handle(ctx, parsed.data as any);
    if (!ctx.answered && !ctx.deferred) {
      core.log.log("error", "request_unanswered", { request: type });
      ctx.fail("internal");
    }
  } catch (error) {
    if (ctx.answered) {
      core.log.log("error", "request_failed_after_reply", { request: type, error: String(error) });
    } else if (error instanceof RequestError && error.code === "bad_frame") {
      // A field the schema lets through but the handler cannot read (a malformed msgid):
      // a bad frame like any other, counted in the same run.
      session.badFrames = badBefore;
      badFrame(core, session, "bad_frame", error.message, id);
    } else if (error instanceof RequestError) {
      ctx.failWith(error);
    } else if (error instanceof StoreUnavailableError) {
      core.counters.storeFailures++;
      core.log.log("warn", "store_unavailable", { request: type, error: error.message });
      ctx.fail("unavailable", ERROR_MESSAGES.unavailable);
    } else {
      core.log.log("error", "request_failed", { request: type, error: String(error) });
      ctx.fail("internal", ERROR_MESSAGES.internal);
    }
  } finally {
    if (isRead) session.readBudget.charge(session.replyBytesSent - sentBefore);
  }
}

function badFrame(
  core: ChatCore,
  session: Session,
  code: ErrorCode,
  message: string,
  id?: RequestId,
): void {
  session.badFrames++;
  if (session.badFrames > MAX_BAD_FRAMES_IN_A_ROW) {
    core.countError("too_many_errors");
    void session.close(
      "too many bad frames",
      errorFrame("too_many_errors", ERROR_MESSAGES.too_many_errors, undefined, id),
    );
    return;
  }
  // No reply context: the frame is not a request (no usable id, type or fields).
  core.countError(code);
  session.sendReply(errorFrame(code, message, undefined, id));
}
