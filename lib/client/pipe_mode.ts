/**
 * Pipe mode, for scripts and bots: log in, join one room, send each line of input as a
 * message (waiting for each `ok`), print incoming messages one per line (or as JSON
 * lines), and finish once the input has ended and every message is acknowledged.
 */
import type { ChatClient } from "./chat_client.ts";
import { ConnectionLostError } from "./connection.ts";
import type { ClientEvent } from "./events.ts";
import {
  formatDm,
  formatMessage,
  formatNotice,
  formatPresence,
  formatPresenceBatch,
  sanitize,
} from "./format.ts";
import { t } from "./i18n.ts";
import { describeRefusal } from "./messages.ts";
import { Style } from "./style.ts";

/** Settings of {@linkcode runPipe}. */
export interface PipeOptions {
  client: ChatClient;
  user: string;
  password: string;
  room: string;
  json: boolean;
  /** The lines to send. */
  input: ReadableStream<Uint8Array>;
  /** Writes one line of output (incoming messages). */
  out: (line: string) => void;
  /** Writes one line of diagnostics. */
  err: (line: string) => void;
}

/** Exit codes of pipe mode. */
export const PIPE_EXIT = { ok: 0, failure: 1, removed: 3 } as const;

const plain = new Style(false);

/** Splits a byte stream into lines (without their `\n` or `\r\n`). */
export async function* readLines(input: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of input) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, nl).replace(/\r$/, "");
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered !== "") yield buffered.replace(/\r$/, "");
}

/** Runs pipe mode to the end; resolves with the exit code. */
export async function runPipe(options: PipeOptions): Promise<number> {
  const { client, out } = options;
  // Every line for people on stderr carries server text (names, reasons, refusals): it is
  // printed with its control characters made visible, like chat lines (no style is used).
  const err = (line: string) => options.err(sanitize(line));
  let removed: string | null = null;
  /** The text of the message in flight: its own echo is not printed back. */
  let inFlight: string | null = null;
  /** Msgids acknowledged whose echo has not come yet, and echoes that came before the ok. */
  const sent = new Set<string>();
  const echoed = new Set<string>();
  client.on((event) => {
    if (event.type === "kicked" || event.type === "banned") {
      removed = describeRefusal({ code: event.type, message: "", ...event });
    }
    if (event.type === "message" && event.message.user === client.user) {
      if (sent.delete(event.message.msgid)) return;
      if (inFlight === event.message.text) return void echoed.add(event.message.msgid);
    }
    const line = _render(event, options.json, client.user);
    if (line !== null) {
      const chat = event.type === "message" || event.type === "dm" || event.type === "edited";
      (chat || options.json ? out : err)(line);
    }
  });

  const login = await client.login(options.user, options.password);
  if (!login.ok) {
    err(t("pipe.loginFailed", { user: options.user, reason: describeRefusal(login.error) }));
    return login.error.code === "kicked" || login.error.code === "banned"
      ? PIPE_EXIT.removed
      : PIPE_EXIT.failure;
  }
  const joined = await client.join(options.room);
  if (!joined.ok) {
    err(t("pipe.joinFailed", { room: options.room, reason: describeRefusal(joined) }));
    return PIPE_EXIT.failure;
  }
  let refused = 0;
  const ended = client.ended.then(() => null);
  const lines = readLines(options.input);
  while (true) {
    const next = await Promise.race([lines.next(), ended]);
    if (next === null || next.done) break;
    const text = next.value;
    if (text.trim() === "") continue;
    inFlight = text;
    let reply;
    try {
      reply = await client.say(joined.room, text);
    } catch (error) {
      if (error instanceof ConnectionLostError) break;
      throw error;
    }
    inFlight = null;
    if (reply.ok) {
      const msgid = reply.frame.msgid;
      if (typeof msgid === "string" && !echoed.delete(msgid)) sent.add(msgid);
    } else {
      refused++;
      const reason = describeRefusal(reply.error, { maxText: client.maxText });
      err(t("pipe.notSent", { reason, text }));
    }
  }
  if (removed !== null) {
    err(removed);
    return PIPE_EXIT.removed;
  }
  await Promise.race([client.drained(), ended]);
  if (client.unacknowledged > 0) {
    err(t("pipe.unacknowledged"));
    return PIPE_EXIT.failure;
  }
  await client.logout();
  return refused > 0 ? PIPE_EXIT.failure : PIPE_EXIT.ok;
}

function _render(event: ClientEvent, json: boolean, self: string | null): string | null {
  const now = new Date();
  if (json) {
    switch (event.type) {
      case "message":
        return JSON.stringify({ type: "message", ...event.message });
      case "dm":
        return JSON.stringify({ type: "dm", ...event.message });
      case "joined":
      case "left":
      case "notice":
      case "shutdown":
      case "kicked":
      case "banned":
      case "room_deleted":
        return JSON.stringify(event);
      // Protocol 1.1 events, in the server's shape (absent fields left out, not null).
      case "presence":
        return JSON.stringify(_present({ ...event }));
      case "edited":
        return JSON.stringify({ type: "edited", ...event.message });
      case "deleted":
        return JSON.stringify(_present({
          type: "deleted",
          msgid: event.msgid,
          room: event.room,
          by: event.by,
        }));
      case "topic":
        return JSON.stringify({
          type: "topic",
          room: event.room,
          topic: event.topic,
          ..._present({ user: event.user }),
        });
      case "read":
        return JSON.stringify(_present({
          type: "read",
          room: event.room,
          with: event.with,
          msgid: event.msgid,
        }));
      default:
        return null;
    }
  }
  switch (event.type) {
    case "message":
      return formatMessage(event.message, null, plain);
    case "dm":
      return formatDm(event.message, self, plain);
    case "notice":
      return formatNotice(event.text, now, plain);
    case "joined":
    case "left":
      return formatPresence(event.type, event.user, event.room, now, plain);
    case "presence":
      return formatPresenceBatch(event, event.members ?? 0, now, plain);
    case "reconnecting":
      return event.first ? t("event.lost") : null;
    case "reconnected":
      return t("event.reconnected");
    case "frame_too_large":
      return t("pipe.skipped", { bytes: event.bytes, limit: event.limit });
    case "room_deleted":
      return t("event.roomDeleted", { room: event.room });
    case "edited":
      return formatMessage(event.message, null, plain);
    case "deleted":
      return _deletedLine(event.room, event.by, event.msgid);
    case "topic":
      return formatNotice(
        event.topic === null
          ? t("topic.cleared", { room: event.room })
          : t("topic.set", { room: event.room, topic: event.topic }),
        now,
        plain,
      );
    default:
      return null;
  }
}

/** The line of a deleted message: in `room` (null: a direct conversation), `by` whom. */
function _deletedLine(room: string | null, by: string | null, msgid: string): string {
  if (room === null) {
    return by ? t("pipe.deletedDmBy", { user: by, msgid }) : t("pipe.deletedDm", { msgid });
  }
  return by
    ? t("pipe.deletedInBy", { room, user: by, msgid })
    : t("pipe.deletedIn", { room, msgid });
}

/** `fields` without its null entries (the server leaves absent fields out). */
function _present(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null));
}
