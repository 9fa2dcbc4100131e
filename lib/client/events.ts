/** What a {@linkcode ChatClient} tells its views, and the listener set that delivers it. */
import type { ChatMessage } from "../protocol/server_frames.ts";

/** A room message; `room` is always set. */
export type RoomMessage = ChatMessage & { room: string };

/** Events of a chat client, in the order they happened. */
export type ClientEvent =
  /** A room message not seen before (live, or caught up after a reconnect). */
  | { type: "message"; message: RoomMessage }
  /** A direct message not seen before, sent or received. */
  | { type: "dm"; message: ChatMessage }
  | { type: "joined"; room: string; user: string }
  | { type: "left"; room: string; user: string }
  /**
   * A large room's arrivals and departures since its previous batch (`large_rooms`): apply
   * them as set operations; `members` is how many are present (null if the server omits it).
   */
  | { type: "presence"; room: string; joined: string[]; left: string[]; members: number | null }
  | { type: "notice"; text: string }
  | { type: "kicked"; until: string; reason: string }
  | { type: "banned"; reason: string }
  | { type: "shutdown"; message: string; in: number }
  /** An `error` frame without an `id` (the server closes after it). */
  | { type: "server_error"; code: string; message: string }
  /**
   * The connection dropped (`first`: the first attempt of this outage); a reconnect
   * attempt follows after `delayMs`. `attempt` counts since the last healthy connection.
   */
  | { type: "reconnecting"; attempt: number; delayMs: number; first: boolean }
  /** A frame over the client's limit was skipped; the connection goes on. */
  | { type: "frame_too_large"; bytes: number; limit: number }
  /** An admin deleted a room this session was in; the session is no longer in it. */
  | { type: "room_deleted"; room: string }
  /** A room's topic changed (protocol 1.1). */
  | { type: "topic"; room: string; topic: string | null; user: string | null }
  /** A message's text was edited (protocol 1.1). */
  | { type: "edited"; message: ChatMessage }
  /** Another session of this account read a room up to `msgid` (protocol 1.1). */
  | { type: "read"; room: string | null; with: string | null; msgid: string }
  /** A message was deleted (protocol 1.1). */
  | { type: "deleted"; msgid: string; room: string | null; by: string | null }
  /** Back online: logged in again, rooms re-joined, unacknowledged messages resent. */
  | { type: "reconnected" }
  /**
   * The server asked to send a message again later (`rate_limited`, `unavailable`): it is
   * sent by itself after `delayMs`; `slowMode` when the room's slow mode said so.
   */
  | {
    type: "send_delayed";
    room: string | null;
    to: string | null;
    delayMs: number;
    slowMode: boolean;
  }
  /** A room could not be re-joined after a reconnect. */
  | { type: "rejoin_failed"; room: string; message: string }
  /** The client stopped for good; `message` says why in a sentence. */
  | { type: "ended"; reason: "closed" | "kicked" | "banned" | "login_failed"; message: string };

/** Receives client events. */
export type ClientListener = (event: ClientEvent) => void;

/** A set of listeners; a throwing listener does not stop the others. */
export class Listeners {
  #listeners = new Set<ClientListener>();

  /** Adds a listener; returns the function that removes it. */
  add(listener: ClientListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls every listener with `event`. */
  emit(event: ClientEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
