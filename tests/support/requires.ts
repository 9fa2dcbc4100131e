/**
 * The outside programs some tests need, how to tell whether they are here, and the Debian
 * package of each. The test runner installs the missing ones before the suite
 * (`tests/support/provision.ts`); a test that still finds its program missing is ignored with
 * the reason in its name, so the runner's summary names it.
 */

/** A program the suite uses. */
export interface Requirement {
  /** What it is for, in the runner's messages. */
  why: string;
  /** Paths, any of which means it is installed. */
  paths: string[];
  /** The Debian package that installs it. */
  debian: string;
}

/** Every outside program of the suite, by short name. */
export const REQUIREMENTS = {
  tmux: { why: "terminal client tests", paths: ["/usr/bin/tmux"], debian: "tmux" },
  chromium: {
    why: "admin page browser tests",
    paths: ["/usr/lib/chromium/chromium"],
    debian: "chromium",
  },
  mariadb: {
    why: "MySQL/MariaDB tests",
    paths: ["/usr/sbin/mariadbd"],
    debian: "mariadb-server",
  },
  openssl: { why: "TLS tests", paths: ["/usr/bin/openssl"], debian: "openssl" },
  nats: {
    why: "cluster tests (NATS with JetStream)",
    paths: ["/usr/sbin/nats-server"],
    debian: "nats-server",
  },
  haproxy: {
    why: "cluster tests behind one address",
    paths: ["/usr/sbin/haproxy"],
    debian: "haproxy",
  },
} as const satisfies Record<string, Requirement>;

/** A short name of {@linkcode REQUIREMENTS}. */
export type RequirementName = keyof typeof REQUIREMENTS;

/** Whether `name` is installed. */
export function isInstalled(name: RequirementName): boolean {
  return REQUIREMENTS[name].paths.some((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
}

/**
 * Options for `Deno.test` of a test that needs `names`: the test is ignored when one is
 * missing, and its name then says which and how to install it.
 */
export function requiring(
  name: string,
  ...names: RequirementName[]
): { name: string; ignore: boolean } {
  const missing = names.filter((n) => !isInstalled(n));
  if (missing.length === 0) return { name, ignore: false };
  const packages = missing.map((n) => REQUIREMENTS[n].debian).join(" ");
  return { name: `${name} [skipped: needs apt-get install ${packages}]`, ignore: true };
}
