/**
 * The compile check: runs `deno compile` for both binaries with `DENORT_BIN` pointed at the
 * local `deno`, so it builds the module graph and the embedded file system without
 * downloading a runtime (the binary it writes is not a working FastChat and is deleted),
 * then checks the "Embedded Files" tree: the server carries the admin bundle and every SQL
 * migration, and no binary carries test-only packages.
 *
 * Usage: `deno run -A scripts/compile_check.ts` (exit code 1 and one line per problem on
 * failure). `tests/build/compile_check_test.ts` runs the same check inside the test suite.
 */
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type BinarySpec, CLIENT, compileArgs, SERVER } from "./lib/binaries.ts";
import { embedsPackage, isEmbedded, parseEmbeddedTree } from "./lib/embedded_tree.ts";

/** The repository root (this file's parent folder). */
export const ROOT: string = dirname(dirname(fileURLToPath(import.meta.url)));

/** What one binary must and must not embed. */
export interface EmbedRules {
  binary: BinarySpec;
  /**
   * Folders (from the repository root) whose every file must be embedded; each must hold at
   * least one file, so a missing bundle or an empty migration folder fails loudly.
   */
  requiredFolders: readonly string[];
  /** npm package names (or prefixes) and repository folders that must not be embedded. */
  forbidden: readonly string[];
}

/** Packages that only tests use: never in a binary. */
const TEST_ONLY = ["playwright", "playwright-core", "fast-check", "tests"];

/** The rules the release binaries are checked against. */
export const RULES: readonly EmbedRules[] = [
  {
    binary: SERVER,
    requiredFolders: ["admin_ui/dist", "sql/sqlite", "sql/mysql"],
    forbidden: TEST_ONLY,
  },
  {
    binary: CLIENT,
    requiredFolders: [],
    forbidden: [...TEST_ONLY, "admin_ui", "sql"],
  },
];

/** The outcome of checking one binary. */
export interface CompileCheckResult {
  binary: string;
  /** One sentence per problem; empty when the binary passed. */
  problems: string[];
  /** The raw `deno compile` output, for diagnosing a failure. */
  output: string;
}

/** Options of {@linkcode checkBinary}. */
export interface CheckOptions {
  /** Repository root the entry and folders are relative to (default {@linkcode ROOT}). */
  root?: string;
  /** The `deno` binary to run and to use as `DENORT_BIN` (default `Deno.execPath()`). */
  deno?: string;
}

/** Compiles one binary against the local runtime and checks its embedded files. */
export async function checkBinary(
  rules: EmbedRules,
  options: CheckOptions = {},
): Promise<CompileCheckResult> {
  const root = options.root ?? ROOT;
  const deno = options.deno ?? Deno.execPath();
  const dir = await Deno.makeTempDir({ prefix: "fastchat-compile-check-" });
  try {
    const args = compileArgs(rules.binary, null, join(dir, rules.binary.name));
    const { code, stdout, stderr } = await new Deno.Command(deno, {
      args,
      cwd: root,
      env: { DENORT_BIN: deno, NO_COLOR: "1", RUST_BACKTRACE: "0" },
      stdin: "null",
    }).output();
    const decoder = new TextDecoder();
    const output = decoder.decode(stdout) + decoder.decode(stderr);
    const problems: string[] = [];
    if (code !== 0) {
      problems.push(`deno ${args.join(" ")} exited with code ${code}`);
      return { binary: rules.binary.name, problems, output };
    }
    let entries;
    try {
      entries = parseEmbeddedTree(output);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return { binary: rules.binary.name, problems, output };
    }
    for (const folder of rules.requiredFolders) {
      const files = await _filesUnder(join(root, folder));
      if (files.length === 0) problems.push(`${folder}/ has no file to embed (not built yet?)`);
      for (const file of files) {
        const path = relative(root, file).replaceAll("\\", "/");
        if (!isEmbedded(entries, path)) problems.push(`${path} is not embedded`);
      }
    }
    for (const name of rules.forbidden) {
      if (embedsPackage(entries, name)) problems.push(`${name} is embedded but must not be`);
    }
    return { binary: rules.binary.name, problems, output };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function _filesUnder(folder: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) files.push(...await _filesUnder(path));
      else if (entry.isFile && !entry.name.startsWith(".")) files.push(path);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files.sort();
}

async function _main(): Promise<number> {
  let failed = false;
  for (const rules of RULES) {
    const result = await checkBinary(rules);
    if (result.problems.length === 0) {
      console.log(`compile check: ${result.binary} ok`);
      continue;
    }
    failed = true;
    console.error(`compile check: ${result.binary} FAILED`);
    for (const problem of result.problems) console.error(`  - ${problem}`);
    console.error(result.output.trimEnd().replace(/^/gm, "    | "));
  }
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await _main());
