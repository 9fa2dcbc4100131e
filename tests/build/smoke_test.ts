import assert from "node:assert/strict";
import { join } from "node:path";
import { CLIENT, SERVER } from "../../scripts/lib/binaries.ts";
import { serverCommand } from "../../scripts/lib/server_launcher.ts";
import { fromSource, type Program, smoke } from "../../scripts/smoke.ts";

// The release workflow runs this same smoke check on the compiled Linux binaries; here it
// runs server.ts and client.ts with `deno run` and exactly the binaries' permissions.
Deno.test("smoke run from source with the binaries' exact permissions: version, admin page, one message round-trips, clean stop", async () => {
  await smoke(fromSource(SERVER), fromSource(CLIENT));
});

/** Where `deno run` keeps npm packages (the argon2 add-on is loaded from there). */
async function _npmCache(): Promise<string> {
  const { stdout } = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] })
    .output();
  return (JSON.parse(new TextDecoder().decode(stdout)) as { npmCache: string }).npmCache;
}

/** The server's permissions but read and write limited to `readable` and `writable`. */
function limitedServer(readable: string[], writable: string, env: string[] = []): Program {
  const others = SERVER.permissions.filter((flag) => !/^--allow-(read|write)\b/.test(flag));
  const run = [
    "run",
    ...(readable.length ? [`--allow-read=${readable.join(",")}`] : ["--allow-read"]),
    `--allow-write=${writable}`,
    ...others,
    join(import.meta.dirname!, "../../server.ts"),
  ];
  // `env` execs the server itself (same process), only adding the variables.
  return env.length
    ? { command: "env", args: [...env, Deno.execPath(), ...run] }
    : { command: Deno.execPath(), args: run };
}

// A compiled binary has no source tree beside it: the server must read nothing but its
// database (and, from source, the npm cache). Reading a migration or the admin page from
// disk instead of embedding it fails here with a permission error. The admin page's private
// Unix socket lives in a directory made in TMPDIR: here, a folder inside the data folder.
// The SQLite store runs in a Worker, and `deno run` checks read access to every module a
// worker loads (the main thread's modules load without it): so `lib/` and `sql/` are
// readable here. A compiled binary embeds them (it statically imports the worker module);
// that every migration is embedded is checked by tests/build/compile_check_test.ts. The admin
// page, deno.json and everything else of the tree stay unreadable.
Deno.test("server started with read/write limited to its data folder reads no file of the source tree", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-no-tree-" });
  try {
    const tmp = join(dir, "tmp");
    await Deno.mkdir(tmp);
    const modules = ["lib", "sql"].map((d) => join(import.meta.dirname!, "../..", d));
    const server = limitedServer([dir, await _npmCache(), ...modules], dir, [`TMPDIR=${tmp}`]);
    await smoke(server, fromSource(CLIENT), { dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// What an operator sees when the temporary folder is not writable: one line and exit 2, not
// an uncaught error (and no fallback to a private TCP port; see docs/security.md).
Deno.test("a server that may not write its temporary folder refuses to start with one line naming TMPDIR", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-no-tmp-" });
  try {
    const server = limitedServer([], dir, [`TMPDIR=${join(dir, "..")}`]);
    const { code, stdout, stderr } = await serverCommand({
      program: server,
      db: `sqlite:${join(dir, "fastchat.db")}`,
    }).output();
    const out = new TextDecoder().decode(stdout);
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 2, `exit ${code}:\n${out}${err}`);
    assert.doesNotMatch(out, /fastchat listening/);
    const lines = err.split("\n").filter((line) => line.startsWith("fastchat-server:"));
    assert.equal(lines.length, 1, err);
    assert.match(lines[0]!, /private socket directory in the temporary folder .*TMPDIR/);
    assert.doesNotMatch(err, /Uncaught|NotCapable|^\s+at /m, err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
