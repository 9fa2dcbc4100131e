/**
 * Set-up done by the test runner before the suite: installs the outside programs the tests
 * need (Debian packages, when this user may run apt-get), and finds or starts a MySQL server
 * for the MySQL tests. A missing program that cannot be installed stops the run at once with
 * the one command that installs it, unless the caller allows skipping.
 */
import { isInstalled, type RequirementName, REQUIREMENTS } from "./requires.ts";
import { startThrowawayMariadb, type ThrowawayMariadb } from "./mariadb.ts";
import { connectAdmin, DEFAULT_ADMIN_URL } from "./mysql_db.ts";

/** What the runner prints. */
export type Say = (line: string) => void;

/** Whether commands run as root, or through a sudo that needs no password; null if neither. */
async function _privilege(): Promise<string[] | null> {
  if (Deno.uid() === 0) return [];
  const sudo = await new Deno.Command("sudo", { args: ["-n", "true"], stderr: "null" })
    .output().catch(() => null);
  return sudo?.success ? ["sudo", "-n"] : null;
}

async function _run(argv: string[], log: string): Promise<boolean> {
  const [command, ...args] = argv as [string, ...string[]];
  const file = await Deno.open(log, { append: true, create: true, write: true });
  try {
    const child = new Deno.Command(command, {
      args,
      env: { DEBIAN_FRONTEND: "noninteractive" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const [status] = await Promise.all([
      child.status,
      child.stdout.pipeTo(file.writable, { preventClose: true }),
      child.stderr.pipeTo(file.writable, { preventClose: true }),
    ]);
    return status.success;
  } finally {
    file.close();
  }
}

/** The one line that installs `packages`, for a person to run. */
export function installLine(packages: string[]): string {
  return `sudo apt-get install -y ${packages.join(" ")}`;
}

/**
 * Installs the missing programs with apt-get when possible. Returns the names still missing
 * (empty when everything is here).
 */
export async function installMissing(say: Say): Promise<RequirementName[]> {
  const names = Object.keys(REQUIREMENTS) as RequirementName[];
  const missing = names.filter((name) => !isInstalled(name));
  if (missing.length === 0) return [];
  const packages = missing.map((name) => REQUIREMENTS[name].debian);
  const privilege = await _privilege();
  const haveApt = await Deno.stat("/usr/bin/apt-get").then(() => true, () => false);
  if (privilege === null || !haveApt) return missing;
  const log = await Deno.makeTempFile({ prefix: "fastchat-apt-", suffix: ".log" });
  say(`installing ${packages.join(", ")} with apt-get (log: ${log})`);
  const ok = await _run([...privilege, "apt-get", "update", "-qq"], log) &&
    await _run([...privilege, "apt-get", "install", "-y", "-qq", ...packages], log);
  if (!ok) say(`apt-get failed; see ${log}`);
  return missing.filter((name) => !isInstalled(name));
}

/** Says what is missing, what it is for, and how to install it. */
export function describeMissing(missing: RequirementName[]): string[] {
  const lines = missing.map((name) => `  - ${name}: for the ${REQUIREMENTS[name].why}`);
  lines.push(`Install them with: ${installLine(missing.map((n) => REQUIREMENTS[n].debian))}`);
  return lines;
}

/** A MySQL server the MySQL tests may create databases on, and how to let it go. */
export interface TestMysql {
  adminUrl: string;
  /** Where it comes from, for the runner's log. */
  origin: string;
  release(): Promise<void>;
}

async function _answers(url: string): Promise<boolean> {
  try {
    const connection = await connectAdmin(url);
    await connection.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * The MySQL server for the MySQL tests: `FASTCHAT_TEST_MYSQL_ADMIN_URL` when set, else a
 * local server with a passwordless root on 127.0.0.1:3306 when one answers, else a private
 * MariaDB started for this run (its own data directory and port), or null without MariaDB.
 */
export async function findTestMysql(): Promise<TestMysql | null> {
  const configured = Deno.env.get("FASTCHAT_TEST_MYSQL_ADMIN_URL");
  if (configured) {
    return {
      adminUrl: configured,
      origin: "FASTCHAT_TEST_MYSQL_ADMIN_URL",
      release: async () => {},
    };
  }
  if (await _answers(DEFAULT_ADMIN_URL)) {
    return { adminUrl: DEFAULT_ADMIN_URL, origin: "the local server", release: async () => {} };
  }
  if (!isInstalled("mariadb")) return null;
  const server: ThrowawayMariadb = await startThrowawayMariadb({
    bufferPoolMiB: 256,
    maxConnections: 2_000,
  });
  return {
    adminUrl: server.adminUrl,
    origin: `a private MariaDB on port ${server.port}`,
    release: () => server.destroy(),
  };
}
