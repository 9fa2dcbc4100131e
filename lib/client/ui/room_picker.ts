/** The room picker: the rooms with how many people are online, plus "Create a room". */
import { Backoff } from "../backoff.ts";
import { t } from "../i18n.ts";
import { ConnectionLostError } from "../connection.ts";
import type { ChatClient } from "../chat_client.ts";
import { formatError, formatRoomEntry, onlineCount } from "../format.ts";
import { describeRefusal } from "../messages.ts";
import type { Style } from "../style.ts";
import { askLine } from "../terminal/ask.ts";
import { type MenuItem, selectMenu } from "../terminal/menu.ts";
import type { Terminal } from "../terminal/terminal.ts";

/** Everything the picker needs. */
export interface PickerContext {
  client: ChatClient;
  term: Terminal;
  style: Style;
}

type Pick = { kind: "room"; name: string } | { kind: "create" } | { kind: "quit" };

function _error(ctx: PickerContext, text: string): void {
  ctx.term.output.write(formatError(text, ctx.style) + "\n");
}

/** Asks for a new room's name and topic and creates it; resolves with its name, or null. */
async function _create(ctx: PickerContext): Promise<string | null> {
  while (true) {
    const name = await askLine(ctx.term, t("picker.roomName"), ctx.style);
    if (name === null) return null;
    const topic = await askLine(ctx.term, t("picker.topic"), ctx.style);
    if (topic === null) return null;
    try {
      const reply = await ctx.client.createRoom(name.trim(), topic.trim() || null);
      if (reply.ok) return typeof reply.frame.room === "string" ? reply.frame.room : name.trim();
      _error(ctx, describeRefusal(reply.error));
    } catch (error) {
      if (!(error instanceof ConnectionLostError)) throw error;
      _error(ctx, error.message);
    }
  }
}

/**
 * Shows the room list and resolves with the name of the room to join (an existing one or
 * one just created), or null when the user quits.
 */
export async function pickRoom(ctx: PickerContext): Promise<string | null> {
  const backoff = new Backoff();
  while (true) {
    let items: MenuItem<Pick>[];
    try {
      // The login reply carries the first page; the rest is fetched page by page.
      const listed = await ctx.client.rooms(ctx.client.takeLoginRooms());
      if (!listed.ok) {
        _error(ctx, listed.message);
        return null;
      }
      items = [...listed.rooms]
        .sort((a, b) => onlineCount(b) - onlineCount(a) || a.name.localeCompare(b.name))
        .map((room) => ({
          label: formatRoomEntry(room),
          value: { kind: "room", name: room.name },
        }));
    } catch (error) {
      if (!(error instanceof ConnectionLostError)) throw error;
      _error(ctx, t("picker.reconnecting", { problem: error.message }));
      await new Promise((resolve) => setTimeout(resolve, backoff.next()));
      continue;
    }
    backoff.reset();
    items.push({ label: t("picker.create"), value: { kind: "create" } });
    items.push({ label: t("picker.quit"), value: { kind: "quit" } });
    // Escape does not quit here: there is nothing to go back to (Quit is in the list).
    const pick = await selectMenu(
      ctx.term,
      t("picker.title", { count: items.length - 2 }),
      items,
      ctx.style,
      { escape: "ignore", cancelled: t("picker.quit") },
    );
    if (pick === null || pick.kind === "quit") return null;
    if (pick.kind === "room") return pick.name;
    const created = await _create(ctx);
    if (created !== null) return created;
  }
}
