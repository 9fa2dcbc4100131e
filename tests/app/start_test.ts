/**
 * The app's start function (`lib/app/start.ts`), in this process, the way `server.ts` uses
 * it: real listeners on port 0, a SQLite store in a temp dir, a stop without a signal.
 */
import { equal, match, ok } from "node:assert/strict";
import { resolveServerSettings, type ServerSettingsInput } from "../../lib/app/config.ts";
import { type RunningServer, start, type StartFailure } from "../../lib/app/start.ts";
import { silentLogger } from "../../lib/common/log.ts";

const ASSETS = { html: "<!doctype html><div id=app></div>", js: "app()", css: ".panel{}" };

/** A temp dir, and the settings of a server on free loopback ports with its db there. */
async function _settings(input: ServerSettingsInput = {}) {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-start-" });
  const settings = resolveServerSettings({
    host: "127.0.0.1",
    port: 0,
    adminPort: 0,
    db: `sqlite:${dir}/fastchat.db`,
    ...input,
  });
  return { dir, settings };
}

function _started(result: RunningServer | StartFailure): RunningServer {
  if ("error" in result) throw new Error(`did not start: ${result.error}`);
  return result;
}

/** Reads the first line the chat port sends. */
async function _firstLine(port: number): Promise<Record<string, unknown>> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    let text = "";
    const buffer = new Uint8Array(4096);
    while (!text.includes("\n")) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return JSON.parse(text.slice(0, text.indexOf("\n")));
  } finally {
    conn.close();
  }
}

Deno.test("start: on port 0 it serves chat and the injected admin page, prints the listening line, and stops", async () => {
  const { dir, settings } = await _settings({ motd: "hello from start" });
  const printed: string[] = [];
  try {
    const running = _started(
      await start({
        settings,
        version: "9.9.9",
        adminAssets: ASSETS,
        adminPassword: "start-test-password",
        log: silentLogger,
        print: (line) => printed.push(line),
      }),
    );
    ok(running.chatPort > 0 && running.adminPort > 0);
    equal(printed.at(-1), `fastchat listening chat=${running.chatPort} admin=${running.adminPort}`);
    const welcome = await _firstLine(running.chatPort);
    equal(welcome.type, "welcome");
    equal(welcome.motd, "hello from start");
    equal(welcome.server, "fastchat/9.9.9");
    const page = await fetch(`http://127.0.0.1:${running.adminPort}/`);
    equal(page.status, 200);
    equal(await page.text(), ASSETS.html, "the admin page is the bundle the app passed");
    await running.stop();
    await running.finished;
    await Deno.connect({ hostname: "127.0.0.1", port: running.chatPort }).then(
      (conn) => {
        conn.close();
        throw new Error("the chat port still accepts after stop");
      },
      () => {},
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start: bad input busy chat port and unusable --db are returned as one-line errors", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { dir, settings } = await _settings({ port: busy.addr.port });
  try {
    const options = { version: "t", adminAssets: null, log: silentLogger, print: () => {} };
    const portTaken = await start({ settings, ...options });
    ok("error" in portTaken);
    match(
      portTaken.error,
      new RegExp(`^cannot listen on the chat port 127\\.0\\.0\\.1:${busy.addr.port}: `),
    );
    const badDb = await start({ settings: { ...settings, db: "postgres://x" }, ...options });
    ok("error" in badDb);
    match(badDb.error, /--db must be sqlite:PATH or mysql:/);
    // The store of the first try was closed: a server starts on it now.
    const running = _started(await start({ settings: { ...settings, port: 0 }, ...options }));
    await running.stop();
  } finally {
    busy.close();
    await Deno.remove(dir, { recursive: true });
  }
});
