/**
 * A database that cannot be used as configured: a bad `--db` URL, a wrong password, a
 * missing database, a schema newer than this FastChat. The message is one line naming the
 * problem; the server prints it and exits with code 2.
 */
export class StoreConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreConfigError";
  }
}
