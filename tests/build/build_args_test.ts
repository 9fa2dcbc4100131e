import assert from "node:assert/strict";
import { parseBuildArgs } from "../../scripts/build.ts";
import {
  binaryFileName,
  CLIENT,
  compileArgs,
  SERVER,
  TARGETS,
} from "../../scripts/lib/binaries.ts";

Deno.test("parseBuildArgs builds every release target into dist/ by default", () => {
  assert.deepEqual(parseBuildArgs([]), { targets: [...TARGETS], out: "dist" });
  assert.deepEqual(parseBuildArgs(["--target", "aarch64-apple-darwin", "--out", "out"]), {
    targets: ["aarch64-apple-darwin"],
    out: "out",
  });
  assert.equal(parseBuildArgs(["--help"]), "help");
});

Deno.test("parseBuildArgs rejects bad input: an unknown target, an unknown flag, a positional", () => {
  assert.throws(
    () => parseBuildArgs(["--target", "riscv64-linux"]),
    /Unknown target "riscv64-linux"/,
  );
  assert.throws(() => parseBuildArgs(["--fast"]), TypeError);
  assert.throws(() => parseBuildArgs(["server.ts"]), TypeError);
});

Deno.test("binaries are named after target, with .exe on Windows only", () => {
  assert.equal(
    binaryFileName(SERVER, "x86_64-unknown-linux-gnu"),
    "fastchat-server-x86_64-unknown-linux-gnu",
  );
  assert.equal(
    binaryFileName(CLIENT, "x86_64-pc-windows-msvc"),
    "fastchat-client-x86_64-pc-windows-msvc.exe",
  );
});

Deno.test("compile arguments list exact permissions, never -A, and leave unused npm packages out", () => {
  for (const binary of [SERVER, CLIENT]) {
    const args = compileArgs(binary, "x86_64-apple-darwin", "dist/x");
    assert.ok(!args.includes("-A") && !args.includes("--allow-all"));
    assert.ok(args.includes("--exclude-unused-npm"));
    assert.equal(args[args.indexOf("--target") + 1], "x86_64-apple-darwin");
    assert.deepEqual(args.slice(-3), ["--output", "dist/x", binary.entry]);
    for (const permission of binary.permissions) assert.ok(args.includes(permission), permission);
  }
});
