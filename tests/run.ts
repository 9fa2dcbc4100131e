/**
 * The test command (`deno task test`): installs what the suite needs, runs the whole suite,
 * then the server protocol suite a second time against MySQL and a third time against MySQL
 * in cluster mode (a throwaway `nats-server`), and ends with one line that CI
 * reads: `N passed, N failed` (`, N skipped` when any, each skipped test listed above it with
 * its reason).
 *
 * Usage: `deno task test [--sqlite-only] [--no-install] [--allow-missing] [deno test flags…] [test paths…]`
 * - Test paths replace `tests/`; the MySQL pass runs those of them under `tests/server/`.
 * - Every other argument goes to both `deno test` runs (e.g. `--filter login`; write other
 *   value flags as `--flag=value`).
 * - Missing programs (tmux, chromium, mariadb-server, openssl, nats-server, haproxy) are
 *   installed with apt-get when running as root or with a passwordless sudo; `--no-install`
 *   never installs. When one is still missing the run stops at once with the command that
 *   installs it, unless `--allow-missing` (the tests that need it are then skipped, by name).
 * - Transport: the SQLite pass runs the conformance files that can (those starting their
 *   server through `tests/server/support.ts`) on an in-process server over in-memory
 *   connections (`FASTCHAT_TEST_TRANSPORT=memory`); the MySQL pass runs them over TCP, and
 *   the files about the wire itself always use TCP.
 * - MySQL: `FASTCHAT_TEST_MYSQL_ADMIN_URL` when set, else a passwordless root on
 *   127.0.0.1:3306 when one answers, else a private MariaDB started for the run.
 *   `--sqlite-only` skips the MySQL pass and the MySQL tests.
 * - The cluster tests (`tests/cluster/`: NATS, MySQL and several server processes) run once,
 *   in the first pass, on that MySQL server; without one (or under `--sqlite-only`) they are
 *   skipped, each with the reason (`FASTCHAT_TEST_NO_MYSQL`).
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
import {
  describeMissing,
  findTestMysql,
  installMissing,
  type TestMysql,
} from "./support/provision.ts";
import { isInstalled, type RequirementName, REQUIREMENTS } from "./support/requires.ts";
import { type NatsDeployment, startNats } from "./support/nats.ts";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
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
    args: [
      "test",
      "-A",
      "--parallel",
      // Test-only packages (playwright-core, fast-check) live in their own lockfile, so that
      // the root one, which `deno task server` installs on first start, holds none of them.
      `--lock=${TESTS_LOCK}`,
      `--junit-path=${report}`,
      ...flags,
      ...pass.paths,
    ],
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

/** The lockfile of the tests (the root `deno.lock` is the server's, client's and tools'). */
const TESTS_LOCK = "tests/deno.lock";

/** Tests that need a MySQL server, left out by `--sqlite-only`. */
const MYSQL_ONLY_TESTS = ["tests/mysql/", "tests/store/mysql_store_test.ts"];

/** The runner's own flags (not passed to `deno test`). */
const RUNNER_FLAGS = new Set(["--sqlite-only", "--no-install", "--allow-missing"]);

function _say(line: string): void {
  console.log(`test runner: ${line}`);
}

async function _passes(
  args: string[],
  mysqlUrl: string | null,
  noMysqlReason = "no MySQL server for this run",
  natsUrl: string | null = null,
): Promise<{ passes: Pass[]; flags: string[] }> {
  const { paths, flags } = await _splitArgs(args.filter((a) => !RUNNER_FLAGS.has(a)));
  const mysqlEnv: Record<string, string> = mysqlUrl
    ? { FASTCHAT_TEST_MYSQL_ADMIN_URL: mysqlUrl }
    : {};
  const passes: Pass[] = [{
    label: "all tests, SQLite store",
    paths: paths.length ? paths : ["tests/"],
    env: { FASTCHAT_TEST_TRANSPORT: "memory", ...mysqlEnv },
  }];
  const serverPaths = paths.length
    ? paths.filter((p) => _isUnder(p, "tests/server"))
    : (await _exists(join(ROOT, "tests/server")) ? ["tests/server/"] : []);
  if (mysqlUrl === null) {
    flags.push(`--ignore=${MYSQL_ONLY_TESTS.join(",")}`);
    passes[0]!.env.FASTCHAT_TEST_NO_MYSQL = noMysqlReason;
  } else if (serverPaths.length > 0) {
    passes.push({
      label: "server tests, MySQL store",
      paths: serverPaths,
      env: { FASTCHAT_TEST_STORE: "mysql", FASTCHAT_TEST_TRANSPORT: "tcp", ...mysqlEnv },
    });
    if (natsUrl !== null) {
      // The whole contract once more through a cluster's log (each server a one-instance
      // cluster of its own on a throwaway NATS): every rule must hold in cluster mode too.
      passes.push({
        label: "server tests, MySQL store, cluster mode",
        paths: serverPaths,
        env: {
          FASTCHAT_TEST_STORE: "mysql",
          FASTCHAT_TEST_TRANSPORT: "tcp",
          FASTCHAT_TEST_CLUSTER: natsUrl,
          ...mysqlEnv,
        },
      });
    }
  }
  return { passes, flags };
}

/**
 * Installs what the suite needs (unless `--no-install`); stops at once when something is
 * still missing (unless `--allow-missing`: the tests needing it are then skipped, by name).
 */
async function _provision(args: string[]): Promise<boolean> {
  const missing = args.includes("--no-install")
    ? Object.keys(REQUIREMENTS).filter((n) => !isInstalled(n as RequirementName))
    : await installMissing(_say);
  if (missing.length === 0) return true;
  const lines = describeMissing(missing as RequirementName[]);
  if (args.includes("--allow-missing")) {
    _say("missing programs; the tests that need them are skipped:");
    for (const line of lines) console.log(line);
    return true;
  }
  _say("cannot run the whole suite; missing programs:");
  for (const line of lines) console.log(line);
  console.log("(or run `deno task test --allow-missing` to skip the tests that need them)");
  return false;
}

async function _main(): Promise<number> {
  const args = Deno.args;
  if (!await _provision(args)) {
    console.log("0 passed, 1 failed");
    return 1;
  }
  let mysql: TestMysql | null = null;
  if (args.includes("--sqlite-only")) {
    _say("--sqlite-only: the MySQL pass and MySQL tests are skipped");
  } else {
    mysql = await findTestMysql();
    if (mysql) _say(`MySQL tests use ${mysql.origin}`);
    else _say("no MySQL server and no MariaDB: the MySQL pass and MySQL tests are skipped");
  }
  const dir = await Deno.makeTempDir({ prefix: "fastchat-test-reports-" });
  let total = emptySummary();
  let nats: NatsDeployment | null = null;
  try {
    if (mysql && isInstalled("nats")) {
      nats = await startNats("single");
      _say(`cluster-mode pass uses a throwaway NATS at ${nats.urls}`);
    }
    const { passes, flags } = await _passes(
      args,
      mysql?.adminUrl ?? null,
      args.includes("--sqlite-only") ? "run without --sqlite-only" : undefined,
      nats?.urls ?? null,
    );
    for (const pass of passes) total = addSummaries(total, await _runPass(pass, flags, dir));
  } finally {
    await Deno.remove(dir, { recursive: true });
    await nats?.cleanup();
    await mysql?.release();
  }
  if (total.skips.length > 0) {
    console.log("\nSkipped:");
    for (const skip of total.skips) console.log(`  - ${skip}`);
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
