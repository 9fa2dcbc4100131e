/**
 * End to end: the real `client.ts` in real terminals (tmux) against a real server: two
 * people register, create and join a room, chat, send a direct message, list who is there
 * and quit; a taken name and a wrong password show the right sentence.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { TmuxTerminal } from "./tmux.ts";
import { lineModeCommand as clientCommand, PASSWORD } from "./client_terminal.ts";

/** The last non-empty line of a screen: the input line. */
function inputLine(screen: string): string {
  return screen.trimEnd().split("\n").at(-1) ?? "";
}

async function register(term: TmuxTerminal, name: string): Promise<void> {
  await term.waitFor("❯ Register");
  await term.keys("Enter");
  await term.waitFor("User name:");
  await term.line(name);
  await term.waitFor("Password:");
  await term.line(PASSWORD);
  await term.waitFor("Password again:");
  await term.line(PASSWORD);
}

Deno.test("terminal: register, create a room, chat with a second client, /msg, /who, /quit", async () => {
  const server = await startServer();
  const terms: TmuxTerminal[] = [];
  try {
    const alice = await TmuxTerminal.start(clientCommand(server.port));
    terms.push(alice);
    await register(alice, "alice");
    await alice.waitFor("Logged in as alice.");
    await alice.waitFor("+ Create a room");
    await alice.keys("Down", "Enter");
    await alice.waitFor("Room name:");
    await alice.line("lounge");
    await alice.waitFor("Topic (optional):");
    await alice.line("chit chat");
    await alice.waitFor("Joined lounge - chit chat");

    const bob = await TmuxTerminal.start(clientCommand(server.port));
    terms.push(bob);
    await register(bob, "Alice");
    await bob.waitFor("That name is already taken; pick another one.");
    // The name and then the password are asked again: a password typed again out of habit
    // never lands in the room picker or the room.
    await bob.waitFor(/taken; pick another one\.\s+User name:/);
    await bob.line("bob");
    await bob.waitFor(/User name: bob\s+Password:/);
    await bob.line(PASSWORD);
    await bob.waitFor(/User name: bob\s+Password: \S*\s+Password again:/);
    await bob.line(PASSWORD);
    await bob.waitFor("Account bob created.");
    await bob.waitFor("lounge (1 online) - chit chat");
    await bob.keys("Enter");
    await bob.waitFor("2 online: alice, bob");

    await alice.waitFor("→ bob joined lounge");
    await bob.line("hello alice");
    await alice.waitFor(/\d\d:\d\d bob: hello alice/);
    await alice.line("hi bob");
    await bob.waitFor(/\d\d:\d\d alice: hi bob/);
    const own = await alice.screen(true);
    // The own name is drawn in reverse video (SGR 7).
    const REVERSE_NAME = new RegExp(String.raw`\x1b\[[0-9;]*7malice[^\n]*: hi bob`);
    assert.match(own, REVERSE_NAME, "own messages are marked");

    // An incoming line does not disturb a half-typed one.
    await alice.type("half typed");
    await bob.line("interruption");
    const typing = await alice.waitFor("bob: interruption");
    assert.match(inputLine(typing), /› half typed$/);
    await alice.keys("C-u");

    await bob.line("/msg alice psst");
    await alice.waitFor("[dm] bob → you: psst");
    await bob.waitFor("[dm] you → alice: psst");

    await alice.line("/who");
    await alice.waitFor(/2 online in lounge: (alice, bob|bob, alice)/);

    await alice.line("/quit");
    await alice.waitFor("EXIT=0");
    await bob.waitFor("← alice left lounge");
  } finally {
    for (const term of terms) await term.close();
    await server.cleanup();
  }
});

Deno.test("terminal: bad input: a wrong password shows the sentence and asks the password again", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  try {
    term = await TmuxTerminal.start(clientCommand(server.port));
    await register(term, "carol");
    await term.waitFor("Pick a room");
    // Quit is the last item of the picker (Escape does not quit there).
    await term.keys("End", "Enter");
    await term.waitFor("EXIT=0");
    await term.close();

    term = await TmuxTerminal.start(clientCommand(server.port));
    await term.waitFor("❯ Register");
    await term.keys("Down", "Enter");
    await term.waitFor("User name:");
    await term.line("carol");
    await term.waitFor("Password:");
    await term.line("not the password");
    await term.waitFor("Wrong user name or password.");
    // Only the password is asked again.
    await term.waitFor(/again \(Esc to change the user name\)\.\n.*Password: ?$/m);
    await term.line(PASSWORD);
    await term.waitFor("Logged in as carol.");
  } finally {
    await term?.close();
    await server.cleanup();
  }
});
