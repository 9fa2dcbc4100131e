/**
 * `search` (protocol 1.1): full-text search of the messages a user can see. The query is
 * parsed into words here (lib/store/search_query.ts); only those words reach the store's
 * full-text index, never the user's text, so FTS operators are searched as text or refused
 * with `invalid_query`. Scope: one room (`room`), the dms with one user (`with`), or every
 * room and the requester's own dms; never other users' dms.
 */
import { RequestError } from "../../protocol/error_codes.ts";
import { HISTORY_BYTES } from "../../protocol/limits.ts";
import { JsonList } from "../../protocol/json_list.ts";
import { type RequestFields, SEARCH_DEFAULT_LIMIT } from "../../protocol/requests.ts";
import { parseSearchQuery, queryProblemText } from "../../store/search_query.ts";
import type { SearchScope, UserRecord } from "../../store/store.ts";
import { wireMessage } from "../chat/core.ts";
import { lookupUser } from "../chat/user_lookup.ts";
import { accountOf, existingRoom, type RequestContext } from "./context.ts";
import { msgidField } from "./rooms.ts";

/** The account named by a `with` or `from` field: `no_such_user` otherwise. */
async function namedUser(ctx: RequestContext, name: string): Promise<UserRecord> {
  const user = await lookupUser(ctx.core, name);
  if (!user) {
    throw new RequestError("no_such_user", `There is no user named ${JSON.stringify(name)}.`);
  }
  return user;
}

/** Where to look: the room, the dms with `with`, or everything the requester may see. */
async function scopeOf(
  ctx: RequestContext,
  fields: RequestFields<"search">,
): Promise<SearchScope> {
  const self = accountOf(ctx).id;
  if (fields.room !== undefined) return { roomId: existingRoom(ctx, fields.room).id };
  if (fields.with !== undefined) {
    return { dmOf: self, dmWith: (await namedUser(ctx, fields.with)).id };
  }
  return { everywhereFor: self };
}

/** `search`: the newest matching messages first, `more` when older matches exist. */
export async function search(
  ctx: RequestContext,
  fields: RequestFields<"search">,
): Promise<void> {
  const parsed = parseSearchQuery(fields.query);
  if (!parsed.ok) throw new RequestError("invalid_query", queryProblemText(parsed.problem));
  const before = msgidField("before", fields.before);
  const scope = await scopeOf(ctx, fields);
  const fromId = fields.from === undefined ? undefined : (await namedUser(ctx, fields.from)).id;
  const page = await ctx.core.storeReads.run(accountOf(ctx).id, () =>
    // A connection that closed while it waited its turn costs the store nothing.
    ctx.session.closing ? Promise.resolve(null) : ctx.core.store.searchMessages({
      words: parsed.words,
      phrases: parsed.phrases,
      scope,
      fromId,
      before,
      limit: fields.limit ?? SEARCH_DEFAULT_LIMIT,
    }));
  if (page === null) return ctx.later();
  // Bounded by bytes too: the newest matches that fit, then `more: true`.
  const list = new JsonList(HISTORY_BYTES);
  let more = page.more;
  for (const message of page.messages) {
    if (!list.add(wireMessage(message))) {
      more = true;
      break;
    }
  }
  ctx.okWith({ more }, { messages: list.toJson() });
}
