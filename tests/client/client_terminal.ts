/**
 * The real `client.ts` in a tmux terminal against a real server, as the client's terminal
 * tests start it: its command line, accounts made beforehand, a started and logged-in client.
 */
import { CLIENT as CLIENT_BINARY } from "../../scripts/lib/binaries.ts";
import { FrameClient } from "../support/frame_client.ts";
import { TmuxTerminal } from "./tmux.ts";

/** The password of every account these tests make. */
export const PASSWORD = "correct horse";

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;

/**
 * The command that runs the client against `127.0.0.1:<port>` with `extra` arguments, with
 * exactly the compiled binary's permissions, so the suite proves they suffice.
 */
export function clientCommand(port: number, ...extra: string[]): string[] {
  return [
    Deno.execPath(),
    "run",
    ...CLIENT_BINARY.permissions,
    CLIENT,
    `127.0.0.1:${port}`,
    ...extra,
  ];
}

/** {@link clientCommand} in line mode (`--plain`). */
export function lineModeCommand(port: number, ...extra: string[]): string[] {
  return clientCommand(port, "--plain", ...extra);
}

/** Registers `users` (password {@link PASSWORD}) over one connection that is then closed. */
export async function registerAccounts(port: number, ...users: string[]): Promise<void> {
  const setup = await FrameClient.connect(port);
  for (const user of users) await setup.ok({ type: "register", user, password: PASSWORD });
  setup.close();
}

/** How {@link loginTerminal} starts the client. */
export interface LoginOptions {
  /** Terminal size. */
  columns: number;
  rows: number;
  /** The room to join (`--room`); `general` unless said. */
  room?: string;
  /** More client arguments (e.g. `--plain`, `--bell`). */
  extra?: string[];
  /** Whether to wait for `Joined <room>` before returning (default true). */
  waitJoined?: boolean;
}

/**
 * Starts the client as `user` (`--user`, `--room`) in a fresh terminal and types the
 * password at its prompt; by default returns once the room is joined.
 */
export async function loginTerminal(
  port: number,
  user: string,
  options: LoginOptions,
): Promise<TmuxTerminal> {
  const room = options.room ?? "general";
  const term = await TmuxTerminal.start(
    clientCommand(port, "--user", user, "--room", room, ...(options.extra ?? [])),
    {},
    { columns: options.columns, rows: options.rows },
  );
  try {
    await term.waitFor("Password:");
    await term.line(PASSWORD);
    if (options.waitJoined ?? true) await term.waitFor(`Joined ${room}`);
    return term;
  } catch (error) {
    await term.close();
    throw error;
  }
}
