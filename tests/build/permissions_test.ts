import assert from "node:assert/strict";
import denoJson from "../../deno.json" with { type: "json" };
import { CLIENT, SERVER } from "../../scripts/lib/binaries.ts";

// `deno task server` / `deno task client` must run the sources with the binaries' exact
// permissions, so what works from source also works compiled.
for (const [task, binary] of [["server", SERVER], ["client", CLIENT]] as const) {
  Deno.test(`deno task ${task} runs ${binary.entry} with the permissions of ${binary.name}`, () => {
    const command = denoJson.tasks[task].split(/\s+/);
    assert.equal(command.slice(0, 2).join(" "), "deno run");
    assert.equal(command.at(-1), binary.entry);
    // A flag holding `*` is single-quoted so the task shell never expands it.
    const flags = command.slice(2, -1).map((flag) => flag.replace(/^'(.*)'$/, "$1"));
    assert.deepEqual(flags, [...binary.permissions]);
  });
}
