/**
 * The command table: for each request type, whether it needs a logged-in session and the
 * handler. One function (`dispatch.ts`) checks the frame against it before any handler runs.
 */
import type { RequestFields, RequestType } from "../../protocol/requests.ts";
import { changePassword, login, logout, ping, register } from "./account.ts";
import type { RequestContext } from "./context.ts";
import { deleteMessage, dm, edit, history, say } from "./messages.ts";
import { createRoom, join, leave, rooms, setTopic, who } from "./rooms.ts";
import { markRead, unread } from "./markers.ts";
import { report } from "./reports.ts";
import { search } from "./search.ts";

/**
 * One row of the command table. The handler answers through `ctx` (`ok`, `okWith`, `fail`,
 * or `later`); throwing a `RequestError` is the same as `ctx.fail` with its code.
 */
export interface Command<T extends RequestType> {
  needsLogin: boolean;
  handle(ctx: RequestContext, fields: RequestFields<T>): void | Promise<void>;
}

/** Every request type the server answers. */
export const COMMANDS: { [T in RequestType]: Command<T> } = {
  register: { needsLogin: false, handle: register },
  login: { needsLogin: false, handle: login },
  logout: { needsLogin: false, handle: logout },
  ping: { needsLogin: false, handle: ping },
  password: { needsLogin: true, handle: changePassword },
  rooms: { needsLogin: true, handle: rooms },
  create_room: { needsLogin: true, handle: createRoom },
  join: { needsLogin: true, handle: join },
  leave: { needsLogin: true, handle: leave },
  say: { needsLogin: true, handle: say },
  dm: { needsLogin: true, handle: dm },
  history: { needsLogin: true, handle: history },
  who: { needsLogin: true, handle: who },
  search: { needsLogin: true, handle: search },
  edit: { needsLogin: true, handle: edit },
  delete: { needsLogin: true, handle: deleteMessage },
  topic: { needsLogin: true, handle: setTopic },
  mark_read: { needsLogin: true, handle: markRead },
  unread: { needsLogin: true, handle: unread },
  report: { needsLogin: true, handle: report },
};
