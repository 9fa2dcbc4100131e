/**
 * What the client holds to log in again after a reconnect, in memory only: the user name,
 * the password, and the resume token of the last login (protocol 1.1), which lets the
 * server check a MAC instead of hashing the password again.
 */
import type { FrameConnection, Reply } from "./connection.ts";

/** Credentials of a logged-in session. */
export class Credentials {
  readonly user: string;
  #password: string;
  #token: string | null = null;

  constructor(user: string, password: string) {
    this.user = user;
    this.#password = password;
  }

  /** Whether a resume token is held. */
  get hasToken(): boolean {
    return this.#token !== null;
  }

  /** Keeps the token of a successful login reply. */
  keepToken(reply: Reply): void {
    if (reply.ok && typeof reply.frame.token === "string" && reply.frame.token !== "") {
      this.#token = reply.frame.token;
    }
  }

  /**
   * Logs in on `conn`: with the token when there is one; without one, or when the server
   * refuses it (`bad_credentials`: expired or revoked; `bad_frame`: a server without
   * tokens), with the password.
   */
  async login(conn: FrameConnection): Promise<Reply> {
    if (this.#token !== null) {
      const reply = await conn.request({ type: "login", user: this.user, token: this.#token });
      if (reply.ok) {
        this.keepToken(reply);
        return reply;
      }
      if (reply.error.code !== "bad_credentials" && reply.error.code !== "bad_frame") return reply;
      this.#token = null;
    }
    const reply = await conn.request({
      type: "login",
      user: this.user,
      password: this.#password,
    });
    this.keepToken(reply);
    return reply;
  }
}
