/**
 * The test command (`deno task test`): runs the whole suite, then the server protocol suite a
 * second time against MySQL, and ends with one line that CI reads: `N passed, N failed`.
 *
 * Usage: `deno task test [--sqlite-only] [deno test flags…] [test paths…]`
 * - Test paths replace `tests/`; the MySQL pass runs those of them under `tests/server/`.
 * - Every other argument goes to both `deno test` runs (e.g. `--filter login`; write other
 *   value flags as `--flag=value`).
 * - `--sqlite-only` skips the MySQL pass (for a machine without MariaDB).
 * - The MySQL pass uses `FASTCHAT_TEST_MYSQL_ADMIN_URL`, by default
 *   `mysql://root@127.0.0.1:3306/` (a local MariaDB with a passwordless root).
 *
 * Exits 1 when a test failed, when `deno test` itself failed (e.g. a type error), or when no
 * test ran at all.
 */
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  addSummaries,
  emptySummary,
  formatSummaryLine,
  type JunitSummary,
  parseJunit,
} from "../scripts/lib/junit_summary.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const DEFAULT_MYSQL_ADMIN_URL = "mysql://root@127.0.0.1:3306/";
/** `deno test` flags whose value may follow as a separate argument (not a test path). */
const VALUE_FLAGS = new Set(["--filter", "--reporter", "--seed", "--config", "-c", "--env-file"]);

/** One `deno test` run. */
interface Pass {
  label: string;
  paths: string[];
  env: Record<string, string>;
}

async function _exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function _isUnder(path: string, folder: string): boolean {
  const rel = relative(join(ROOT, folder), resolve(path));
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
}

/** Splits the arguments into test paths and the flags passed through to `deno test`. */
async function _splitArgs(args: string[]): Promise<{ paths: string[]; flags: string[] }> {
  const paths: string[] = [];
  const flags: string[] = [];
  for (const [i, arg] of args.entries()) {
    const isValue = i > 0 && VALUE_FLAGS.has(args[i - 1] ?? "");
    if (!arg.startsWith("-") && !isValue && await _exists(arg)) paths.push(arg);
    else flags.push(arg);
  }
  return { paths, flags };
}

async function _runPass(pass: Pass, flags: string[], dir: string): Promise<JunitSummary> {
  console.log(`\n=== ${pass.label}: deno test ${pass.paths.join(" ")}\n`);
  const report = join(dir, `${pass.label.replace(/\W+/g, "_")}.xml`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--parallel", `--junit-path=${report}`, ...flags, ...pass.paths],
    cwd: ROOT,
    env: { RUST_BACKTRACE: "0", ...pass.env },
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  let summary = emptySummary();
  try {
    summary = parseJunit(await Deno.readTextFile(report));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound || error instanceof SyntaxError)) throw error;
  }
  if (code !== 0 && summary.failed === 0) {
    // A type error, a module that fails to load or an error outside any test: no test
    // case failed, yet the run did. Count it so the closing line cannot say "0 failed".
    summary.failed++;
    summary.failures.push(`${pass.label}: deno test exited with code ${code} outside any test`);
  }
  return summary;
}

/** Tests that need a MySQL server, left out by `--sqlite-only`. */
const MYSQL_ONLY_TESTS = ["tests/mysql/", "tests/store/mysql_store_test.ts"];

async function _passes(args: string[]): Promise<{ passes: Pass[]; flags: string[] }> {
  const sqliteOnly = args.includes("--sqlite-only");
  const { paths, flags } = await _splitArgs(args.filter((a) => a !== "--sqlite-only"));
  const passes: Pass[] = [{
    label: "all tests, SQLite store",
    paths: paths.length ? paths : ["tests/"],
    env: {},
  }];
  const serverPaths = paths.length
    ? paths.filter((p) => _isUnder(p, "tests/server"))
    : (await _exists(join(ROOT, "tests/server")) ? ["tests/server/"] : []);
  if (sqliteOnly) {
    console.log("test runner: --sqlite-only: the MySQL pass and MySQL tests are skipped");
    flags.push(`--ignore=${MYSQL_ONLY_TESTS.join(",")}`);
  } else if (serverPaths.length > 0) {
    const url = Deno.env.get("FASTCHAT_TEST_MYSQL_ADMIN_URL") ?? DEFAULT_MYSQL_ADMIN_URL;
    passes.push({
      label: "server tests, MySQL store",
      paths: serverPaths,
      env: { FASTCHAT_TEST_STORE: "mysql", FASTCHAT_TEST_MYSQL_ADMIN_URL: url },
    });
  }
  return { passes, flags };
}

async function _main(): Promise<number> {
  const { passes, flags } = await _passes(Deno.args);
  const dir = await Deno.makeTempDir({ prefix: "fastchat-test-reports-" });
  let total = emptySummary();
  try {
    for (const pass of passes) total = addSummaries(total, await _runPass(pass, flags, dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  if (total.failures.length > 0) {
    console.log("\nFailed:");
    for (const failure of total.failures) console.log(`  - ${failure}`);
  }
  if (total.passed + total.failed === 0) console.log("\nNo test ran.");
  console.log(formatSummaryLine(total));
  return total.failed > 0 || total.passed === 0 ? 1 : 0;
}

if (import.meta.main) Deno.exit(await _main());
