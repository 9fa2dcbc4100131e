import assert from "node:assert/strict";
import { checkBinary, type EmbedRules, RULES } from "../../scripts/compile_check.ts";

const PROBE = "tests/build/fixtures/embed_probe";
const probe = { name: "embed-probe", entry: `${PROBE}/main.ts`, permissions: [] };

Deno.test("compile check passes a module that embeds all required files and no forbidden package", async () => {
  const rules: EmbedRules = {
    binary: probe,
    requiredFiles: [`${PROBE}/data/one.txt`],
    requiredFolders: [`${PROBE}/data/nested`],
    // Mapped in deno.json but not imported by the probe: --exclude-unused-npm leaves them out.
    forbidden: ["playwright", "preact", "@preact/signals"],
  };
  const result = await checkBinary(rules);
  assert.deepEqual(result.problems, [], result.output);
});

Deno.test("compile check reports bad input: a file left out, an empty folder, a forbidden package", async () => {
  const result = await checkBinary({
    binary: probe,
    requiredFiles: [`${PROBE}/main.ts`, `${PROBE}/data/left_out/three.txt`],
    requiredFolders: [`${PROBE}/data`, `${PROBE}/no_such_folder`],
    forbidden: ["zod"],
  });
  assert.deepEqual(result.problems, [
    `${PROBE}/data/left_out/three.txt is not embedded`,
    `${PROBE}/data/left_out/three.txt is not embedded`,
    `${PROBE}/no_such_folder/ has no file to embed (not built yet?)`,
    "zod is embedded but must not be",
  ]);
});

Deno.test("compile check reports bad input: an entry module that does not exist", async () => {
  const result = await checkBinary({
    binary: { ...probe, entry: `${PROBE}/missing.ts` },
    requiredFiles: [],
    requiredFolders: [],
    forbidden: [],
  });
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0] ?? "", /exited with code [1-9]/);
});

for (const rules of RULES) {
  const required = [...rules.requiredFiles, ...rules.requiredFolders.map((f) => `${f}/`)]
    .join(", ") || "nothing required";
  Deno.test(`compile check: ${rules.binary.name} embeds ${required}; no test-only package`, async () => {
    const result = await checkBinary(rules);
    assert.deepEqual(result.problems, [], result.output);
  });
}
