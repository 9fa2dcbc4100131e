import assert from "node:assert/strict";
import {
  type ClientArgs,
  clientHelp,
  langFlag,
  parseClientArgs,
  pipeModeMissing,
} from "../../lib/client/args.ts";
import { inFrench } from "./support.ts";

function run(argv: string[]): ClientArgs {
  const parsed = parseClientArgs(argv);
  assert.equal(parsed.kind, "run", JSON.stringify(parsed));
  return (parsed as { args: ClientArgs }).args;
}

function error(argv: string[]): string {
  const parsed = parseClientArgs(argv);
  assert.equal(parsed.kind, "error");
  return (parsed as { message: string }).message;
}

Deno.test("args: defaults to 127.0.0.1:9000 without TLS", () => {
  assert.deepEqual(run([]), {
    host: "127.0.0.1",
    port: 9000,
    tls: false,
    caFile: null,
    user: null,
    room: null,
    json: false,
    plain: false,
    bell: false,
    lang: null,
  });
  assert.equal(run(["--plain", "--bell"]).plain, true);
  assert.equal(run(["--plain", "--bell"]).bell, true);
});

Deno.test("args: HOST, HOST:PORT, [IPv6]:PORT and --port", () => {
  assert.equal(run(["chat.example"]).host, "chat.example");
  assert.deepEqual([run(["chat.example:7000"]).host, run(["chat.example:7000"]).port], [
    "chat.example",
    7000,
  ]);
  assert.deepEqual([run(["[::1]:7001"]).host, run(["[::1]:7001"]).port], ["::1", 7001]);
  assert.equal(run(["::1"]).host, "::1");
  assert.equal(run(["host", "--port", "7002"]).port, 7002);
  assert.equal(run(["host:7003", "--port", "7003"]).port, 7003);
});

Deno.test("args: --tls, --ca, --user, --room, --json", () => {
  const args = run(["h", "--tls", "--ca", "ca.pem", "--user", "ann", "--room", "dev", "--json"]);
  assert.deepEqual(args, {
    host: "h",
    port: 9000,
    tls: true,
    caFile: "ca.pem",
    user: "ann",
    room: "dev",
    json: true,
    plain: false,
    bell: false,
    lang: null,
  });
});

Deno.test("args: --help and --version", () => {
  assert.equal(parseClientArgs(["--help"]).kind, "help");
  assert.equal(parseClientArgs(["-h"]).kind, "help");
  assert.equal(parseClientArgs(["--version"]).kind, "version");
});

Deno.test("args: bad input: non-numeric, zero and too large ports are refused", () => {
  assert.match(error(["--port", "abc"]), /Invalid port "abc"/);
  assert.match(error(["--port", "0"]), /Invalid port/);
  assert.match(error(["h:70000"]), /Invalid port "70000"/);
  assert.match(error(["h:"]), /Invalid port ""/);
});

Deno.test("args: bad input: unknown option, two hosts, conflicting ports, empty values", () => {
  assert.match(error(["--nope"]), /Unknown option '--nope'/);
  assert.match(error(["a", "b"]), /at most one HOST/);
  assert.match(error(["h:1", "--port", "2"]), /Two different ports/);
  assert.match(error(["--user", ""]), /--user is empty/);
  assert.match(error([":9000"]), /host is empty/);
  assert.match(error(["--ca", "x.pem"]), /--ca only makes sense with --tls/);
  assert.match(error(["--port"]), /argument missing|--port/);
  assert.match(error(["--port"]), /^Option '--port' needs a value\.$/);
  assert.match(error(["-x"]), /^Unknown option '-x'\.$/);
});

Deno.test("args: --lang is read first: --lang fr, --lang=fr, the last one, none after --", () => {
  assert.equal(langFlag(["--lang", "fr", "--help"]), "fr");
  assert.equal(langFlag(["host", "--lang=fr-CA"]), "fr-CA");
  assert.equal(langFlag(["--lang", "en", "--lang", "fr"]), "fr");
  assert.equal(langFlag(["--help"]), null);
  assert.equal(langFlag(["--", "--lang", "fr"]), null);
});

Deno.test("args: bad input: --lang without a value, or garbage, is no language (English)", () => {
  assert.equal(langFlag(["--lang"]), null);
  assert.match(error(["--lang"]), /Option '--lang' needs a value/);
  assert.match(
    error(["--lang", "xx-!!"]),
    /Unknown language "xx-!!" for --lang: use one of en, fr/,
  );
  assert.match(error(["--tls=yes"]), /Option '--tls' does not take a value/);
});

Deno.test("args: --help and argument errors in French", () => {
  inFrench(() => {
    const help = clientHelp("1.2.3");
    assert.match(help, /^fastchat-client 1\.2\.3 : le client de terminal de FastChat\./);
    assert.match(help, /--port PORT {8}port de discussion du serveur \(9000 par défaut\)/);
    assert.match(help, /\n {21}sinon LC_ALL, LC_MESSAGES ou LANG, sinon l'anglais\)/);
    assert.match(help, /Codes de sortie : 0 terminé/);
    assert.match(error(["--nope"]), /^Option inconnue '--nope'\.$/);
    assert.match(error(["--port", "abc"]), /^Port invalide « abc »/);
    assert.match(error(["a", "b"]), /^Un seul HOST au plus est attendu, reçu 2 : a b\.$/);
    const missing = pipeModeMissing(run([]), "");
    assert.equal(
      missing,
      "l'entrée standard n'est pas un terminal, c'est donc le mode tube, qui demande " +
        "--user NAME, --room ROOM, la variable d'environnement FASTCHAT_PASSWORD (voir --help)",
    );
  });
  // Back in English: the help is the reference text.
  assert.match(clientHelp("1.2.3"), /^fastchat-client 1\.2\.3: the FastChat terminal client\./);
});
