import assert from "node:assert/strict";
import { COMMANDS, helpLines, parseCommand } from "../../lib/client/commands.ts";

Deno.test("commands: plain text is a message; // sends a leading slash", () => {
  assert.deepEqual(parseCommand("hello there"), { kind: "say", text: "hello there" });
  assert.deepEqual(parseCommand("//not a command"), { kind: "say", text: "/not a command" });
  assert.deepEqual(parseCommand("   "), { kind: "empty" });
});

Deno.test("commands: each slash command with its arguments", () => {
  assert.deepEqual(parseCommand("/help"), { kind: "help" });
  assert.deepEqual(parseCommand("/join general"), { kind: "join", room: "general" });
  assert.deepEqual(parseCommand("/join dev talk"), { kind: "join", room: "dev talk" });
  assert.deepEqual(parseCommand('/join "dev talk"'), { kind: "join", room: "dev talk" });
  assert.deepEqual(parseCommand("/leave"), { kind: "leave", room: null });
  assert.deepEqual(parseCommand("/leave dev"), { kind: "leave", room: "dev" });
  assert.deepEqual(parseCommand("/rooms"), { kind: "rooms" });
  assert.deepEqual(parseCommand("/create dev"), { kind: "create", room: "dev", topic: null });
  assert.deepEqual(parseCommand("/create dev all about code"), {
    kind: "create",
    room: "dev",
    topic: "all about code",
  });
  assert.deepEqual(parseCommand('/create "dev talk" code'), {
    kind: "create",
    room: "dev talk",
    topic: "code",
  });
  assert.deepEqual(parseCommand("/who"), { kind: "who", room: null });
  assert.deepEqual(parseCommand("/msg bob hi  there"), {
    kind: "msg",
    user: "bob",
    text: "hi  there",
  });
  assert.deepEqual(parseCommand("/history"), { kind: "history", count: 20 });
  assert.deepEqual(parseCommand("/history 5"), { kind: "history", count: 5 });
  assert.deepEqual(parseCommand("/switch dev"), { kind: "switch", room: "dev" });
  assert.deepEqual(parseCommand("/quit"), { kind: "quit" });
  assert.deepEqual(parseCommand("/QUIT"), { kind: "quit" });
});

Deno.test("commands: bad input: unknown command, missing arguments, bad counts", () => {
  assert.deepEqual(parseCommand("/frobnicate"), {
    kind: "error",
    message: "Unknown command /frobnicate. Type /help for the list.",
  });
  assert.deepEqual(parseCommand("/join"), { kind: "error", message: "Usage: /join ROOM" });
  assert.deepEqual(parseCommand("/msg bob"), { kind: "error", message: "Usage: /msg USER text" });
  assert.deepEqual(parseCommand('/create "open'), {
    kind: "error",
    message: "Usage: /create ROOM [topic]",
  });
  for (const count of ["0", "201", "x", "-3"]) {
    assert.equal(parseCommand(`/history ${count}`).kind, "error", count);
  }
});

Deno.test("commands: /help lists every command", () => {
  const help = helpLines().join("\n");
  for (const command of COMMANDS) assert.ok(help.includes(command.usage), command.usage);
});

Deno.test("commands: /me and /topic (protocol 1.1)", () => {
  assert.deepEqual(parseCommand("/me waves"), { kind: "me", text: "waves" });
  assert.equal(parseCommand("/me").kind, "error");
  assert.deepEqual(parseCommand("/topic new one"), { kind: "topic", topic: "new one" });
  assert.deepEqual(parseCommand("/topic"), { kind: "topic", topic: "" });
});
