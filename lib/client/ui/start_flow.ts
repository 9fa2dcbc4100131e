/**
 * The first screen: the server's greeting, then Register / Log in / Quit, with guided
 * questions and the server's refusals in plain words until the user is logged in.
 */
import { checkUserName, isAcceptablePassword } from "../../protocol/names.ts";
import type { ChatClient } from "../chat_client.ts";
import { ConnectionLostError, type Reply } from "../connection.ts";
import type { ErrorReply } from "../../protocol/server_frames.ts";
import { formatError, formatInfo, inWords, sanitize } from "../format.ts";
import { describeRefusal } from "../messages.ts";
import { t } from "../i18n.ts";
import type { Style } from "../style.ts";
import { askLine } from "../terminal/ask.ts";
import { selectMenu } from "../terminal/menu.ts";
import type { Terminal } from "../terminal/terminal.ts";

/** Everything the start screen needs. */
export interface StartContext {
  client: ChatClient;
  term: Terminal;
  style: Style;
  /** A name given with `--user`: login is preselected and the name not asked. */
  presetUser: string | null;
}

type Choice = "register" | "login" | "quit";

function _say(ctx: StartContext, line: string): void {
  ctx.term.output.write(line + "\n");
}

/** Refusals that say "not now" rather than "not this": the same answers are tried again. */
const TRANSIENT = new Set(["rate_limited", "unavailable"]);

/** The longest wait a refusal's sentence states (a day). */
const MAX_WAIT_SAID_S = 86_400;

/**
 * The refusal of a `register` or `login` in plain words, with how long to wait when the
 * server said it. `rate_limited` says which limit: for `register` the registrations per
 * network address (a class behind one school network hits it, and only the server's
 * operator can raise it), for `login` the password logins.
 */
export function startRefusal(error: ErrorReply, request: "register" | "login"): string {
  const ms = typeof error.retryAfterMs === "number"
    ? error.retryAfterMs
    : typeof error.retry_after === "number"
    ? error.retry_after * 1000
    : 0;
  // Whole seconds, rounded up (never "in now"); a wait past a day (a hostile or broken
  // server's `1e999`) is not said at all.
  const seconds = Math.ceil(ms / 1000);
  const time = seconds > 0 && seconds <= MAX_WAIT_SAID_S ? inWords(seconds) : null;
  if (error.code === "rate_limited") {
    if (request === "register") {
      return time === null ? t("start.registerLimit") : t("start.registerLimitWait", { time });
    }
    return time === null ? t("start.loginLimit") : t("start.loginLimitWait", { time });
  }
  const sentence = describeRefusal(error);
  return time === null ? sentence : `${sentence} ${t("start.retryIn", { time })}`;
}

/** Says the refusal of a `register` or `login` (see {@linkcode startRefusal}). */
function _sayRefusal(ctx: StartContext, error: ErrorReply, request: "register" | "login"): void {
  _say(ctx, formatError(startRefusal(error, request), ctx.style));
}

/** Sends a request; a lost connection is reported and answered with null. */
async function _send(ctx: StartContext, send: () => Promise<Reply>): Promise<Reply | null> {
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof ConnectionLostError)) throw error;
    _say(ctx, formatError(t("start.lostRetry", { problem: error.message }), ctx.style));
    return null;
  }
}

async function _askName(ctx: StartContext): Promise<string | null> {
  while (true) {
    const name = await askLine(ctx.term, t("start.userName"), ctx.style);
    if (name === null) return null;
    if (checkUserName(name.trim()) !== null) return name.trim();
    _say(ctx, formatError(describeRefusal({ code: "invalid_username", message: "" }), ctx.style));
  }
}

/** Asks for a new password twice until both agree and it is long enough; null to go back. */
async function _askNewPassword(ctx: StartContext): Promise<string | null> {
  while (true) {
    const password = await askLine(ctx.term, t("start.password"), ctx.style, { mask: true });
    if (password === null) return null;
    if (!isAcceptablePassword(password)) {
      _say(ctx, formatError(describeRefusal({ code: "weak_password", message: "" }), ctx.style));
      continue;
    }
    const again = await askLine(ctx.term, t("start.passwordAgain"), ctx.style, { mask: true });
    if (again === null) return null;
    if (again === password) return password;
    _say(ctx, formatError(t("start.mismatch"), ctx.style));
  }
}

async function _register(ctx: StartContext): Promise<boolean> {
  let user: string | null = null;
  let password: string | null = null;
  while (true) {
    user ??= await _askName(ctx);
    if (user === null) return false;
    password ??= await _askNewPassword(ctx);
    if (password === null) return false;
    const reply = await _send(ctx, () => ctx.client.register(user!, password!));
    if (reply === null) continue;
    if (!reply.ok) {
      _sayRefusal(ctx, reply.error, "register");
      // "Not now" keeps both answers: Enter sends them again, Escape goes back to the menu.
      if (TRANSIENT.has(reply.error.code)) {
        if (await askLine(ctx.term, t("start.enterToRetry"), ctx.style) === null) return false;
        continue;
      }
      // A weak password asks for the password only. A refused name asks for the name and
      // then the password again, as web forms do: keeping the password surprised people,
      // who typed it again out of habit into the room picker and then into the room.
      if (reply.error.code !== "weak_password") user = null;
      password = null;
      continue;
    }
    _say(ctx, formatInfo(t("start.created", { user }), ctx.style));
    return await _tryLogin(ctx, user, password) === "ok";
  }
}

/**
 * How a login attempt ended: logged in, to be tried again with the password asked again (a
 * wrong password, or "not now"), or another refusal.
 */
type LoginOutcome = "ok" | "retry" | "refused";

async function _tryLogin(ctx: StartContext, user: string, password: string): Promise<LoginOutcome> {
  const reply = await _send(ctx, () => ctx.client.login(user, password));
  if (reply === null) return "refused";
  if (!reply.ok) {
    _sayRefusal(ctx, reply.error, "login");
    const { code } = reply.error;
    return code === "bad_credentials" || TRANSIENT.has(code) ? "retry" : "refused";
  }
  _say(ctx, formatInfo(t("start.loggedIn", { user: ctx.client.user ?? "" }), ctx.style));
  return "ok";
}

/**
 * Asks for the name (unless given) and the password. A wrong password asks for the password
 * again, never for the name (so a password is never typed into the visible name field);
 * Escape at the password goes back to the name, or to the menu when the name was given.
 */
async function _login(ctx: StartContext, preset: string | null): Promise<boolean> {
  let user = preset;
  while (true) {
    if (user === null) {
      user = await _askName(ctx);
      if (user === null) return false;
    } else {
      _say(ctx, `${ctx.style.bold(t("start.userName"))} ${sanitize(user)}`);
    }
    while (true) {
      const password = await askLine(ctx.term, t("start.password"), ctx.style, { mask: true });
      if (password === null) {
        if (user === preset) return false;
        user = null;
        break;
      }
      const outcome = await _tryLogin(ctx, user, password);
      if (outcome === "ok") return true;
      if (outcome === "refused") return false;
      _say(ctx, ctx.style.dim(t("start.retryPassword")));
    }
  }
}

/**
 * Runs the start screen; resolves true once logged in, false when the user quits. With a
 * preset user name (`--user`) it goes straight to the password.
 */
export async function runStartFlow(ctx: StartContext): Promise<boolean> {
  const { welcome } = ctx.client;
  const server = sanitize(welcome.server);
  // With a list of addresses, which one answered.
  const greeting = ctx.client.addresses.length > 1
    ? t("start.connectedAt", { server, address: sanitize(ctx.client.address) })
    : t("start.connected", { server });
  _say(ctx, ctx.style.bold(greeting));
  if (welcome.motd.trim() !== "") _say(ctx, sanitize(welcome.motd));
  if (ctx.presetUser !== null && await _login(ctx, ctx.presetUser)) return true;
  while (true) {
    const choice = await selectMenu<Choice>(
      ctx.term,
      t("start.menu"),
      [
        { label: t("start.register"), value: "register", hint: t("start.registerHint") },
        { label: t("start.login"), value: "login", hint: t("start.loginHint") },
        { label: t("start.quit"), value: "quit" },
      ],
      ctx.style,
      // Escape does not quit here: there is nothing to go back to (Quit is in the list), and
      // an Escape too many after leaving a question ended the program.
      { escape: "ignore", cancelled: t("start.quit") },
    );
    if (choice === null || choice === "quit") return false;
    const done = choice === "login" ? await _login(ctx, null) : await _register(ctx);
    if (done) return true;
  }
}
