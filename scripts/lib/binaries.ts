/**
 * What FastChat ships: the two binaries, the permissions each is compiled with, the release
 * targets, and the `deno compile` arguments that tie them together. `scripts/build.ts`,
 * `scripts/compile_check.ts` and the tests that run the sources with the binaries'
 * permissions all read them from here, so the three cannot drift apart.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, which entry modules are relative to. */
export const ROOT: string = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** One program that `deno compile` turns into a binary. */
export interface BinarySpec {
  /** Binary name without target suffix, e.g. `fastchat-server`. */
  name: string;
  /** Entry module, relative to the repository root. */
  entry: string;
  /**
   * The exact runtime flags the binary runs with: its `--allow-*` flags (never `-A`) and,
   * for the client, its `--v8-flags` (`deno compile` embeds both).
   */
  permissions: readonly string[];
}

/**
 * The server: it binds any configured address and reaches MySQL anywhere (net), opens the
 * SQLite file and TLS files at any configured path (read, write), reads its `FASTCHAT_*`
 * settings (env), and loads the argon2 native add-on (ffi).
 *
 * The add-on's loader tells glibc from musl by reading `/usr/bin/ldd`; where that file is
 * missing (minimal container images) it falls back to `process.report`, which needs the
 * three `sys` APIs listed (measured: without them the server dies at startup there).
 *
 * env is not narrowed to `FASTCHAT_*,NAPI_RS_*` (what the server and the loader read)
 * because `server.ts` reads the whole environment (`Deno.env.toObject()`).
 */
export const SERVER: BinarySpec = {
  name: "fastchat-server",
  entry: "server.ts",
  permissions: [
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-ffi",
    "--allow-sys=cpus,networkInterfaces,hostname",
  ],
};

/**
 * The terminal client: it connects anywhere (net), reads a `--ca` file (read), and reads
 * only its own settings, `NO_COLOR` and the locale variables that choose its language (env;
 * measured in pipe and interactive mode).
 *
 * Its V8 flags keep memory down (issue 17: under 100 MB RSS with 50,000 lines of
 * scrollback; `bench/client_burst.ts`): `--optimize-for-size` makes the collector favour a
 * small heap over speed, and a 1 MB young generation (`--max-semi-space-size=1`) stops a
 * burst of incoming messages from growing it. Neither limits how much the client may hold.
 */
export const CLIENT: BinarySpec = {
  name: "fastchat-client",
  entry: "client.ts",
  permissions: [
    "--allow-net",
    "--allow-read",
    "--allow-env=FASTCHAT_*,NO_COLOR,LC_ALL,LC_MESSAGES,LANG",
    "--v8-flags=--optimize-for-size,--max-semi-space-size=1",
  ],
};

/** Both binaries, server first. */
export const BINARIES: readonly BinarySpec[] = [SERVER, CLIENT];

/** The release targets (`deno compile --target` values). */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** A release target triple. */
export type Target = typeof TARGETS[number];

/** Tells whether `value` is one of {@linkcode TARGETS}. */
export function isTarget(value: string): value is Target {
  return (TARGETS as readonly string[]).includes(value);
}

/** The file name of a binary for a target, e.g. `fastchat-server-x86_64-pc-windows-msvc.exe`. */
export function binaryFileName(binary: BinarySpec, target: Target): string {
  const suffix = target.includes("windows") ? ".exe" : "";
  return `${binary.name}-${target}${suffix}`;
}

/**
 * The `deno compile` arguments (after `deno`) for one binary and target. Only the npm
 * packages the entry really imports are embedded, so test-only packages (playwright) never
 * end up in a binary.
 */
export function compileArgs(binary: BinarySpec, target: Target | null, output: string): string[] {
  return [
    "compile",
    "--node-modules-dir=none",
    "--exclude-unused-npm",
    ...binary.permissions,
    ...(target === null ? [] : ["--target", target]),
    "--output",
    output,
    binary.entry,
  ];
}
