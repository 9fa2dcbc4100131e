/**
 * The client over TLS against a real TLS server with a private CA (made with openssl):
 * `--tls --ca` works; an untrusted certificate and a plain client both fail in one sentence.
 */
import assert from "node:assert/strict";
import { CLIENT as CLIENT_BINARY } from "../../scripts/lib/binaries.ts";
import { startServer } from "../support/server_process.ts";
import { makeCertificates } from "../support/tls_certs.ts";

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;
const PASSWORD = "correct horse";

async function runClient(args: string[], input: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...CLIENT_BINARY.permissions, CLIENT, ...args],
    env: { FASTCHAT_PASSWORD: PASSWORD },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const result = await child.output();
  return { code: result.code, stderr: new TextDecoder().decode(result.stderr) };
}

Deno.test("tls: --tls --ca sends over TLS; bad input: untrusted certificate and plain client fail in one sentence", async () => {
  const certs = await makeCertificates();
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    server = await startServer({
      args: ["--tls-cert", certs.certFile, "--tls-key", certs.keyFile],
    });
    const where = `127.0.0.1:${server.port}`;
    const pipe = ["--user", "bot", "--room", "general"];
    // Register over TLS first, with a raw TLS connection.
    const caCerts = [await Deno.readTextFile(certs.caFile)];
    const conn = await Deno.connectTls({ hostname: "127.0.0.1", port: server.port, caCerts });
    const raw = new TextEncoder().encode(
      JSON.stringify({ type: "register", id: 1, user: "bot", password: PASSWORD }) + "\n",
    );
    await conn.write(raw);
    const buffer = new Uint8Array(4096);
    let seen = "";
    while (!seen.includes('"id":1')) {
      const n = await conn.read(buffer);
      if (n === null) break;
      seen += new TextDecoder().decode(buffer.subarray(0, n));
    }
    conn.close();

    const ok = await runClient([where, "--tls", "--ca", certs.caFile, ...pipe], "over tls\n");
    assert.equal(ok.code, 0, ok.stderr);

    const untrusted = await runClient([where, "--tls", ...pipe], "x\n");
    assert.equal(untrusted.code, 1);
    assert.equal(untrusted.stderr.trim().split("\n").length, 1, untrusted.stderr);
    assert.match(untrusted.stderr, /TLS connection to 127\.0\.0\.1:\d+ failed .*--ca FILE/);

    const plain = await runClient([where, ...pipe], "x\n");
    assert.equal(plain.code, 1);
    assert.equal(plain.stderr.trim().split("\n").length, 1, plain.stderr);
    assert.match(plain.stderr, /if it uses TLS, add --tls/);
  } finally {
    await server?.cleanup();
    await certs.remove();
  }
});
