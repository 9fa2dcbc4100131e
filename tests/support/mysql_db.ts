/** Throwaway MySQL databases for tests (placeholder until the MySQL store lands). */

/** Creates a uniquely named throwaway database; `url` is its `--db` value. */
export function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  return Promise.reject(new Error("MySQL test databases are not available yet"));
}
