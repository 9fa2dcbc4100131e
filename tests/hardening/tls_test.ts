/**
 * TLS over real sockets with a throwaway CA made at test time: the right CA works end to
 * end; a client trusting another CA, a plaintext client on the TLS port, a TLS client on
 * the plain port and TLS 1.1 all fail, with a clear error on the client and a log line on
 * the server.
 */
import { requiring } from "../support/requires.ts";
import { equal, match, ok, rejects } from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { makeCertificates, type TestCertificates } from "../support/tls_certs.ts";
import { waitFor } from "./support.ts";

/** Runs `fn` with fresh certificates and a server serving TLS with them. */
async function withTlsServer(
  fn: (
    server: Awaited<ReturnType<typeof startServer>>,
    certs: TestCertificates,
  ) => Promise<void>,
): Promise<void> {
  const certs = await makeCertificates();
  try {
    const server = await startServer({
      limits: true,
      args: ["--tls-cert", certs.certFile, "--tls-key", certs.keyFile],
    });
    try {
      await fn(server, certs);
    } finally {
      await server.cleanup();
    }
  } finally {
    await certs.remove();
  }
}

/** Reads frames from a connection until `count` have arrived. */
async function readFrames(conn: Deno.Conn, count: number): Promise<Record<string, unknown>[]> {
  const frames: Record<string, unknown>[] = [];
  const buffer = new Uint8Array(65_536);
  let text = "";
  while (frames.length < count) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`Closed after ${frames.length} frames`);
    text += new TextDecoder().decode(buffer.subarray(0, n));
    let nl;
    while ((nl = text.indexOf("\n")) >= 0) {
      frames.push(JSON.parse(text.slice(0, nl)));
      text = text.slice(nl + 1);
    }
  }
  return frames;
}

const write = (conn: Deno.Conn, frame: unknown) =>
  conn.write(new TextEncoder().encode(JSON.stringify(frame) + "\n"));

const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ ...requiring(name, "openssl"), fn });

test("tls: with the right CA the handshake works and the protocol runs end to end", () =>
  withTlsServer(async (server, certs) => {
    const conn = await Deno.connectTls({
      hostname: "localhost",
      port: server.port,
      caCerts: [await Deno.readTextFile(certs.caFile)],
    });
    try {
      await conn.handshake();
      const [welcome] = await readFrames(conn, 1);
      equal(welcome!.type, "welcome");
      await write(conn, { type: "register", id: 1, user: "secure", password: "correct horse" });
      await write(conn, { type: "login", id: 2, user: "secure", password: "correct horse" });
      await write(conn, { type: "join", id: 3, room: "general" });
      await write(conn, { type: "say", id: 4, room: "general", text: "over TLS" });
      const frames = await readFrames(conn, 5);
      ok(frames.filter((f) => f.type === "ok").length === 4, JSON.stringify(frames));
      ok(frames.some((f) => f.type === "message" && f.text === "over TLS"));
      await waitFor("the log line", () => /connection_opened.*tls=true/.test(server.log()));
    } finally {
      conn.close();
    }
  }));

test("tls: bad input a client trusting another CA refuses the certificate", () =>
  withTlsServer(async (server, certs) => {
    const conn = await Deno.connectTls({
      hostname: "localhost",
      port: server.port,
      caCerts: [await Deno.readTextFile(certs.otherCaFile)],
    });
    try {
      await rejects(conn.handshake(), (error: Error) => {
        match(error.message, /UnknownIssuer|certificate/i);
        return true;
      });
    } finally {
      conn.close();
    }
    await waitFor("the server's log line", () => /tls_handshake_failed/.test(server.log()));
  }));

test("tls: bad input plaintext to the TLS port gets no welcome; the server logs why", () =>
  withTlsServer(async (server) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    try {
      await write(conn, { type: "ping", id: 1 });
      const buffer = new Uint8Array(4096);
      let text = "";
      try {
        for (let n; (n = await conn.read(buffer)) !== null;) {
          text += new TextDecoder().decode(buffer.subarray(0, n));
        }
      } catch {
        // Reset by the server: also a refusal.
      }
      ok(!text.includes("welcome"), "no frame in plaintext");
    } finally {
      conn.close();
    }
    await waitFor("the server's log line", () => /tls_handshake_failed/.test(server.log()));
  }));

test("tls: bad input a TLS client on the plain port fails its handshake; the server logs why", async () => {
  const server = await startServer({ limits: true });
  const certs = await makeCertificates();
  try {
    const conn = await Deno.connectTls({
      hostname: "localhost",
      port: server.port,
      caCerts: [await Deno.readTextFile(certs.caFile)],
    });
    try {
      await rejects(conn.handshake());
    } finally {
      conn.close();
    }
    await waitFor("the server's log line", () => /tls_on_plain_port/.test(server.log()));
  } finally {
    await certs.remove();
    await server.cleanup();
  }
});

test("tls: bad input a TLS 1.1 client is refused (TLS 1.2+ only)", () =>
  withTlsServer(async (server, certs) => {
    const out = await new Deno.Command("openssl", {
      args: [
        "s_client",
        "-connect",
        `127.0.0.1:${server.port}`,
        "-tls1_1",
        "-cipher",
        "DEFAULT@SECLEVEL=0",
        "-CAfile",
        certs.caFile,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(out.success, false, "openssl s_client -tls1_1 must fail");
    await waitFor("the server's log line", () => /tls_handshake_failed/.test(server.log()));
  }));
