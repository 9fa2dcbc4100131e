import assert from "node:assert/strict";

Deno.test("admin_ui/bundle.gen.ts is what the page sources build to", async () => {
  const build = new URL("../../admin_ui/build.ts", import.meta.url).pathname;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", build, "--check"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, out);
});
