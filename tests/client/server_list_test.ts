/**
 * Several server addresses on the command line (`host1:9000,host2:9000`, issue 16): what
 * the list parses to, each bad input refused with a sentence naming it (in English and
 * French), `--help` saying how, and the real client exiting 2 on a bad list.
 */
import assert from "node:assert/strict";
import {
  type ClientArgs,
  clientHelp,
  MAX_SERVERS,
  parseClientArgs,
  parseServerList,
} from "../../lib/client/args.ts";
import { useClientLanguage } from "../../lib/client/i18n.ts";
import { endpointList, formatEndpoint, resolveEndpoint } from "../../lib/client/transport.ts";
import { bars, type ChatStatus } from "../../lib/client/ui/status.ts";
import { matchLanguage, NEUTRAL_CHOICE } from "../../lib/i18n/languages.ts";
import { CLIENT as CLIENT_BINARY } from "../../scripts/lib/binaries.ts";

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;

function run(argv: string[]): ClientArgs {
  const parsed = parseClientArgs(argv);
  assert.equal(parsed.kind, "run", JSON.stringify(parsed));
  return (parsed as { args: ClientArgs }).args;
}

function error(argv: string[]): string {
  const parsed = parseClientArgs(argv);
  assert.equal(parsed.kind, "error", JSON.stringify(parsed));
  return (parsed as { message: string }).message;
}

/** `count` distinct addresses `h1:9001,h2:9002,…`. */
function addresses(count: number): string {
  return Array.from({ length: count }, (_, i) => `h${i + 1}:${9001 + i}`).join(",");
}

Deno.test("server list: HOST:PORT,HOST:PORT gives every address in order, the first as host and port", () => {
  const args = run(["a.example:9001,b.example:9002,[::1]:9003", "--user", "ann"]);
  assert.equal(args.host, "a.example");
  assert.equal(args.port, 9001);
  assert.deepEqual(args.servers, [
    { host: "a.example", port: 9001 },
    { host: "b.example", port: 9002 },
    { host: "::1", port: 9003 },
  ]);
  assert.equal(args.user, "ann");
  // A port left out is --port, else 9000; spaces around an element are ignored.
  assert.deepEqual(run(["a, b:7001", "--port", "7001"]).servers, [
    { host: "a", port: 7001 },
    { host: "b", port: 7001 },
  ]);
  assert.deepEqual(run(["a,b"]).servers, [{ host: "a", port: 9000 }, { host: "b", port: 9000 }]);
  // One address: no list at all, as before.
  assert.equal(run(["a:7000"]).servers, undefined);
  assert.equal(run([]).servers, undefined);
  // The most allowed.
  assert.equal(run([addresses(MAX_SERVERS)]).servers?.length, MAX_SERVERS);
});

Deno.test("server list: bad input: an empty element (a:1,,b:2; a trailing or leading comma)", () => {
  assert.equal(
    error(["a:1,,b:2"]),
    'The server list "a:1,,b:2" has an empty element (number 2).',
  );
  assert.match(error(["a:1,b:2,"]), /empty element \(number 3\)/);
  assert.match(error([",a:1"]), /empty element \(number 1\)/);
  assert.match(error(["a:1, ,b:2"]), /empty element \(number 2\)/);
});

Deno.test("server list: bad input: a bad port, an empty host, a port conflicting with --port", () => {
  assert.equal(
    error(["a:1,b:x"]),
    'Invalid port "x" in "b:x": use a number from 1 to 65535.',
  );
  assert.match(error(["a:1,b:0"]), /Invalid port "0" in "b:0"/);
  assert.match(error(["a:70000,b:1"]), /Invalid port "70000" in "a:70000"/);
  assert.match(error(["a:1,b:"]), /Invalid port "" in "b:"/);
  assert.equal(error(["a:1,:2"]), 'The host is empty in ":2".');
  assert.match(error(["a:1,b", "--port", "2"]), /Two different ports given \(1 and --port 2\)/);
  assert.match(error(["a,b", "--port", "x"]), /Invalid port "x" in "a"/);
});

Deno.test("server list: bad input: more than 16 addresses, and one address twice", () => {
  assert.equal(
    error([addresses(MAX_SERVERS + 1)]),
    `Too many servers in the list: ${MAX_SERVERS + 1}; give at most ${MAX_SERVERS}.`,
  );
  assert.equal(error(["a:1,b:2,A:1"]), "The server A:1 is listed twice.");
  assert.match(error(["a,a:9000"]), /The server a:9000 is listed twice/);
});

Deno.test("server list: parseServerList alone, and a single address keeps its old sentences", () => {
  assert.deepEqual(parseServerList("x:1,y:2"), {
    ok: true,
    servers: [{ host: "x", port: 1 }, { host: "y", port: 2 }],
  });
  assert.deepEqual(parseServerList("x", "5"), { ok: true, servers: [{ host: "x", port: 5 }] });
  assert.deepEqual(parseServerList("h:abc"), {
    ok: false,
    message: 'Invalid port "abc": use a number from 1 to 65535.',
  });
  assert.deepEqual(parseServerList(":1"), { ok: false, message: "The host is empty." });
});

Deno.test("server list: in French, each bad input has its sentence", () => {
  useClientLanguage(matchLanguage("fr")!);
  try {
    assert.equal(
      error(["a:1,,b:2"]),
      "La liste de serveurs « a:1,,b:2 » a un élément vide (le n° 2).",
    );
    assert.equal(
      error(["a:1,b:x"]),
      "Port invalide « x » dans « b:x » : donnez un nombre de 1 à 65535.",
    );
    assert.match(error([addresses(17)]), /^Trop de serveurs dans la liste : 17 ; donnez-en 16/);
    assert.equal(error(["a:1,a:1"]), "Le serveur a:1 figure deux fois dans la liste.");
    assert.match(clientHelp("1.0.0"), /plusieurs, séparés par des virgules \(16 au plus\)/);
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
});

Deno.test("server list: --help shows how to give several addresses", () => {
  const help = clientHelp("1.0.0");
  assert.match(help, /Usage: fastchat-client \[HOST\[:PORT\]\[,HOST\[:PORT\]…\]\] \[options\]/);
  assert.match(help, /several, comma-separated \(at most 16\): the client moves to/);
});

Deno.test("server list: the endpoint carries the list; one endpoint per address, same TLS", async () => {
  const args = run(["a:1,b:2", "--tls"]);
  const resolved = await resolveEndpoint(args);
  assert.ok(resolved.ok);
  assert.equal(formatEndpoint(resolved.endpoint), "a:1, b:2");
  assert.deepEqual(endpointList(resolved.endpoint), [
    { host: "a", port: 1, tls: true },
    { host: "b", port: 2, tls: true },
  ]);
  const single = await resolveEndpoint(run(["[::1]:5"]));
  assert.ok(single.ok);
  assert.equal(formatEndpoint(single.endpoint), "[::1]:5");
  assert.deepEqual(endpointList(single.endpoint), [{ host: "::1", port: 5, tls: false }]);
});

Deno.test("server list: the status bar names the address when the view gives one (en, fr)", () => {
  const status: ChatStatus = {
    current: null,
    rooms: [],
    self: "ann",
    online: true,
    pending: 0,
    lagMs: null,
  };
  assert.equal(bars(status).connection, "connected");
  assert.equal(bars({ ...status, address: null }).connection, "connected");
  assert.equal(bars({ ...status, address: "h2:9001" }).connection, "connected to h2:9001");
  assert.equal(bars({ ...status, address: "h2:9001", online: false }).connection, "reconnecting…");
  // An address is shown as text, never as terminal controls.
  assert.equal(bars({ ...status, address: "h\x1b[2J:1" }).connection.includes("\x1b"), false);
  useClientLanguage(matchLanguage("fr")!);
  try {
    assert.equal(bars({ ...status, address: "h2:9001" }).connection, "en ligne sur h2:9001");
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
});

/** Runs the real client with `args` (stdin closed: pipe mode); its exit code and stderr. */
async function client(args: string[]): Promise<{ code: number; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...CLIENT_BINARY.permissions, CLIENT, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { FASTCHAT_LANG: "en" },
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

Deno.test("server list: the real client exits 2 (bad usage) on a bad list, with the sentence", async () => {
  const empty = await client(["127.0.0.1:1,,127.0.0.1:2", "--user", "a", "--room", "r"]);
  assert.equal(empty.code, 2);
  assert.equal(
    empty.stderr,
    'fastchat-client: The server list "127.0.0.1:1,,127.0.0.1:2" has an empty element ' +
      "(number 2). See --help.\n",
  );
  const port = await client(["127.0.0.1:1,127.0.0.1:99999"]);
  assert.equal(port.code, 2);
  assert.match(port.stderr, /Invalid port "99999" in "127\.0\.0\.1:99999"/);
  const many = await client([addresses(MAX_SERVERS + 1)]);
  assert.equal(many.code, 2);
  assert.match(many.stderr, /Too many servers in the list: 17/);
});
