/**
 * `deno task build`: compiles `fastchat-server` and `fastchat-client` for every release
 * target (or the ones named) into `dist/`, with the exact permissions of
 * `scripts/lib/binaries.ts`. The binary built for this machine's own target is run once with
 * `--version` to prove it starts and carries the version of `deno.json`.
 *
 * Usage: `deno task build [--target TRIPLE]… [--out DIR]`
 *
 * `deno compile` downloads the runtime for each target, so this needs the internet (the
 * release workflow runs it); `deno run -A scripts/compile_check.ts` is the offline check.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import denoJson from "../deno.json" with { type: "json" };
import {
  BINARIES,
  binaryFileName,
  type BinarySpec,
  compileArgs,
  isTarget,
  ROOT,
  type Target,
  TARGETS,
} from "./lib/binaries.ts";

const USAGE = `Usage: deno task build [--target TRIPLE]... [--out DIR]

  --target TRIPLE  build only for this target (repeatable); default: all of
                   ${TARGETS.join(", ")}
  --out DIR        output folder (default: dist)`;

/** The parsed command line of the build. */
export interface BuildOptions {
  targets: Target[];
  out: string;
}

/**
 * Parses the build's arguments.
 *
 * @throws {TypeError} on an unknown flag or target, with a one-line message.
 */
export function parseBuildArgs(args: string[]): BuildOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        target: { type: "string", multiple: true },
        out: { type: "string", default: "dist" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new TypeError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) return "help";
  const targets = parsed.values.target ?? [...TARGETS];
  for (const target of targets) {
    if (!isTarget(target)) {
      throw new TypeError(`Unknown target "${target}": use one of ${TARGETS.join(", ")}`);
    }
  }
  return { targets: targets.filter(isTarget), out: parsed.values.out };
}

async function _compile(binary: BinarySpec, target: Target, out: string): Promise<string> {
  const output = join(out, binaryFileName(binary, target));
  const args = compileArgs(binary, target, output);
  console.log(`build: ${binaryFileName(binary, target)}`);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
  }).output();
  if (code !== 0) {
    const decoder = new TextDecoder();
    throw new Error(
      `deno ${args.join(" ")} failed (exit ${code}):\n` +
        decoder.decode(stdout) + decoder.decode(stderr),
    );
  }
  return join(ROOT, output);
}

async function _checkVersion(path: string): Promise<void> {
  const { code, stdout } = await new Deno.Command(path, { args: ["--version"], stdin: "null" })
    .output();
  const printed = new TextDecoder().decode(stdout);
  if (code !== 0 || !printed.includes(denoJson.version)) {
    throw new Error(
      `${path} --version printed "${printed.trim()}" (exit ${code}), expected ${denoJson.version}`,
    );
  }
  console.log(`build: ${path} --version: ${printed.trim()}`);
}

async function _main(): Promise<number> {
  let options;
  try {
    options = parseBuildArgs(Deno.args);
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : error}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  await Deno.mkdir(join(ROOT, options.out), { recursive: true });
  try {
    for (const target of options.targets) {
      for (const binary of BINARIES) {
        const path = await _compile(binary, target, options.out);
        if (target === Deno.build.target) await _checkVersion(path);
      }
    }
  } catch (error) {
    console.error(`build: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  console.log(
    `build: done, ${options.targets.length * BINARIES.length} binaries in ${options.out}/`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await _main());
