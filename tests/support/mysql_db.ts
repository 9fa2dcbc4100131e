/**
 * Throwaway MySQL databases for tests: a uniquely named database and a user holding only
 * the privileges `docs/mysql.md` tells operators to grant, on the server named by
 * `FASTCHAT_TEST_MYSQL_ADMIN_URL` (default `mysql://root@127.0.0.1:3306/`).
 */
import mysql from "mysql2/promise";
import { MYSQL_PRIVILEGES } from "../../lib/store/mysql_migrate.ts";

/** The admin URL used when `FASTCHAT_TEST_MYSQL_ADMIN_URL` is unset. */
export const DEFAULT_ADMIN_URL = "mysql://root@127.0.0.1:3306/";

/** A throwaway database: `url` is its `--db` value (the restricted user's credentials). */
export interface TestDatabase {
  url: string;
  /** The database's name. */
  name: string;
  /** Drops the database and its user. */
  drop(): Promise<void>;
}

/** The admin URL of the test MySQL server. */
export function testAdminUrl(): string {
  return Deno.env.get("FASTCHAT_TEST_MYSQL_ADMIN_URL") || DEFAULT_ADMIN_URL;
}

/** One connection with admin rights (to create databases and users). */
export async function connectAdmin(adminUrl: string): Promise<mysql.Connection> {
  try {
    return await mysql.createConnection({ uri: adminUrl, connectTimeout: 5_000 });
  } catch (error) {
    const where = adminUrl.replace(/\/\/[^@/]*@/, "//");
    throw new Error(
      `Cannot reach the test MySQL server at ${where} (set FASTCHAT_TEST_MYSQL_ADMIN_URL): ` +
        (error as Error).message,
      { cause: error },
    );
  }
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Creates a uniquely named database and a user allowed only on it.
 *
 * Identifiers cannot be bound as parameters, so the DDL below is built from names this
 * function generated itself (lowercase hex): no outside text reaches it.
 */
export async function createTestDatabase(
  options: { adminUrl?: string } = {},
): Promise<TestDatabase> {
  const adminUrl = options.adminUrl ?? testAdminUrl();
  const admin = new URL(adminUrl);
  const id = randomHex(6);
  const name = `fastchat_test_${id}`;
  const user = `fastchat_${id}`;
  const password = randomHex(12);
  const connection = await connectAdmin(adminUrl);
  try {
    await connection.query(
      `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    );
    await connection.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await connection.query(
      `GRANT ${MYSQL_PRIVILEGES.join(", ")} ON \`${name}\`.* TO '${user}'@'%'`,
    );
  } finally {
    await connection.end();
  }
  const url = `mysql://${user}:${password}@${admin.hostname}:${admin.port || "3306"}/${name}`;
  return {
    url,
    name,
    async drop() {
      const c = await connectAdmin(adminUrl);
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await c.query(`DROP USER IF EXISTS '${user}'@'%'`);
      } finally {
        await c.end();
      }
    },
  };
}
