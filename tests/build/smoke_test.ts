import { join } from "node:path";
import { CLIENT, SERVER } from "../../scripts/lib/binaries.ts";
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

// A compiled binary has no source tree beside it: the server must read nothing but its
// database (and, from source, the npm cache). Reading a migration or the admin page from
// disk instead of embedding it fails here with a permission error.
Deno.test("server started with read/write limited to its data folder reads no file of the source tree", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-no-tree-" });
  try {
    const others = SERVER.permissions.filter((flag) => !/^--allow-(read|write)\b/.test(flag));
    const server: Program = {
      command: Deno.execPath(),
      args: [
        "run",
        `--allow-read=${dir},${await _npmCache()}`,
        `--allow-write=${dir}`,
        ...others,
        join(import.meta.dirname!, "../../server.ts"),
      ],
    };
    await smoke(server, fromSource(CLIENT), { dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
