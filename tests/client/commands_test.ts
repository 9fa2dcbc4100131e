import assert from "node:assert/strict";
import {
  type CommandInfo,
  COMMANDS,
  commandUsage,
  helpLines,
  offeredCommands,
  parseCommand,
  USAGE_WORDS,
} from "../../lib/client/commands.ts";
import { t } from "../../lib/client/i18n.ts";
import { inFrench } from "./support.ts";

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
  for (const command of COMMANDS) {
    assert.ok(help.includes(commandUsage(command)), command.usage);
  }
  assert.match(help, /^\/join ROOM {2,}join a room$/m);
  assert.match(help, /^\/msg USER text {2,}send a direct message$/m);
  assert.match(help, /^\/search words \[in:ROOM\] \[from:USER\] {2,}find messages/m);
  // Users are told who can read their direct messages (docs/admin.md promises it).
  assert.match(help, /^Direct messages are not encrypted: the server's administrators can read/m);
});

Deno.test("commands: /help and usage errors name the arguments in French", () => {
  inFrench(() => {
    const help = helpLines().join("\n");
    assert.match(help, /^\/join SALON {2,}rejoindre un salon$/m);
    assert.match(help, /^\/leave \[SALON\] {2,}quitter le salon courant \(ou SALON\)$/m);
    assert.match(help, /^\/create SALON \[sujet\] /m);
    assert.match(help, /^\/who \[SALON\] /m);
    assert.match(help, /^\/msg PSEUDO texte {2,}envoyer un message privé$/m);
    assert.match(help, /^\/edit \[N\] texte /m);
    assert.match(help, /^\/search mots \[in:SALON\] \[from:PSEUDO\] /m);
    assert.match(help, /^\/report \[N motif\] /m);
    // (`/topic` is the command: typed the same in every language.)
    assert.doesNotMatch(help, /(?<!\/)\b(ROOM|USER|text|topic|words|reason)\b/);
    assert.deepEqual(parseCommand("/join"), { kind: "error", message: "Syntaxe : /join SALON" });
    assert.deepEqual(parseCommand("/msg bob"), {
      kind: "error",
      message: "Syntaxe : /msg PSEUDO texte",
    });
    const nth = parseCommand("/edit 0 x");
    assert.equal(nth.kind, "error");
    assert.match((nth as { message: string }).message, /^Syntaxe : \/edit \[N\] texte, N de 1 /);
  });
  assert.deepEqual(parseCommand("/join"), { kind: "error", message: "Usage: /join ROOM" });
});

Deno.test("commands: bad input: every {word} of a usage is an argument word of the catalogs", () => {
  for (const command of COMMANDS) {
    for (const [, word] of command.usage.matchAll(/\{(\w*)\}/g)) {
      assert.ok(Object.hasOwn(USAGE_WORDS, word!), `${command.name}: {${word}}`);
    }
    assert.doesNotMatch(commandUsage(command), /[{}]/, command.name);
    assert.ok(commandUsage(command).startsWith(`/${command.name}`), command.name);
  }
  // A word the table does not know is shown as written rather than dropped.
  const odd: CommandInfo = { name: "x", usage: "/x {nope}", summary: "cmd.help", completes: null };
  assert.equal(commandUsage(odd), "/x {nope}");
  assert.equal(t(USAGE_WORDS.room), "ROOM");
});

Deno.test("commands: /me and /topic (protocol 1.1)", () => {
  assert.deepEqual(parseCommand("/me waves"), { kind: "me", text: "waves" });
  assert.equal(parseCommand("/me").kind, "error");
  assert.deepEqual(parseCommand("/topic new one"), { kind: "topic", topic: "new one" });
  assert.deepEqual(parseCommand("/topic"), { kind: "topic", topic: "" });
});

Deno.test("commands: /edit and /delete address your Nth last message (1 by default)", () => {
  assert.deepEqual(parseCommand("/edit fixed text"), { kind: "edit", nth: 1, text: "fixed text" });
  assert.deepEqual(parseCommand("/edit 3 fixed"), { kind: "edit", nth: 3, text: "fixed" });
  // A number alone is the text (there is nothing else to edit it to).
  assert.deepEqual(parseCommand("/edit 42"), { kind: "error", message: "Usage: /edit [N] text" });
  assert.deepEqual(parseCommand("/delete"), { kind: "delete", nth: 1 });
  assert.deepEqual(parseCommand("/delete 2"), { kind: "delete", nth: 2 });
});

Deno.test("commands: bad input: /edit, /delete and /report with a bad N or nothing to send", () => {
  assert.deepEqual(parseCommand("/edit"), { kind: "error", message: "Usage: /edit [N] text" });
  for (const line of ["/edit 0 x", "/edit 501 x", "/delete 0", "/delete 501", "/delete x"]) {
    const parsed = parseCommand(line);
    assert.equal(parsed.kind, "error", line);
    assert.match((parsed as { message: string }).message, /N from 1/, line);
  }
  for (const line of ["/report spam", "/report 2", "/report 0 spam", "/report 501 spam"]) {
    const parsed = parseCommand(line);
    assert.equal(parsed.kind, "error", line);
    assert.match((parsed as { message: string }).message, /\/report alone lists them/, line);
  }
});

Deno.test("commands: /report N reason, and /report alone to list the candidates", () => {
  assert.deepEqual(parseCommand("/report 2 spam and abuse"), {
    kind: "report",
    nth: 2,
    reason: "spam and abuse",
  });
  assert.deepEqual(parseCommand("/report"), { kind: "report", nth: null, reason: "" });
});

Deno.test("commands: /search words with in:ROOM and from:USER filters", () => {
  assert.deepEqual(parseCommand("/search café bon"), {
    kind: "search",
    query: "café bon",
    room: null,
    from: null,
  });
  assert.deepEqual(parseCommand("/search deploy in:dev from:Bob friday"), {
    kind: "search",
    query: "deploy friday",
    room: "dev",
    from: "Bob",
  });
  assert.deepEqual(parseCommand('/search notes IN:"dev talk"'), {
    kind: "search",
    query: "notes",
    room: "dev talk",
    from: null,
  });
  // `in:` inside a word is a word.
  assert.equal((parseCommand("/search login:x") as { query: string }).query, "login:x");
});

Deno.test("commands: bad input: /search with no words, or an empty filter", () => {
  for (const line of ["/search", "/search in:dev", "/search from:bob in:dev", "/search x in:"]) {
    assert.equal(parseCommand(line).kind, "error", line);
  }
});

Deno.test("commands: /help offers only what the server lists in welcome.features", () => {
  const bare = helpLines(() => false).join("\n");
  assert.match(bare, /Not on this server: \/me, \/edit, \/delete, \/search, \/topic, \/report\./);
  assert.ok(!bare.includes("/edit [N] text"));
  const some = helpLines((feature) => feature === "edit").join("\n");
  assert.ok(some.includes("/edit [N] text"));
  assert.match(some, /Not on this server: \/me, \/delete, \/search, \/topic, \/report\./);
  assert.deepEqual(
    offeredCommands(() => false).map((c) => c.name).filter((n) => n === "edit" || n === "report"),
    [],
  );
});
