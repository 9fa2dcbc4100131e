/**
 * Recent messages, live, filtered by room and user. Room messages only by default; an admin
 * may switch direct messages on (remembered in this browser). Staff may delete a room
 * message (after a confirmation).
 */
import { useEffect } from "preact/hooks";
import type { MessageView } from "../../../lib/admin/api_types.ts";
import { api, describeError, seg } from "../api.ts";
import { ask } from "../confirm.ts";
import {
  dmsWanted,
  feedError,
  loadMessages,
  markDeleted,
  messageFilter,
  messages,
  showDms,
  userDraft,
} from "../feed.ts";
import { isAdmin, now, rooms } from "../state.ts";
import { act, anchorOf } from "../toasts.ts";
import { clock } from "../format.ts";
import { Section } from "./Section.tsx";
import { t } from "../i18n.ts";

let typing: ReturnType<typeof setTimeout> | undefined;

/** Loads the feed; a failure shows above the list (with a retry), not as a toast. */
function reload(): void {
  loadMessages().catch(() => {});
}

function applyFilter(change: Partial<{ room: string; user: string }>) {
  messageFilter.value = { ...messageFilter.value, ...change };
  reload();
}

/** The messages section. */
export function FeedPanel() {
  useEffect(reload, []);
  const filter = messageFilter.value;
  const onUserInput = (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    userDraft.value = input.value;
    clearTimeout(typing);
    typing = setTimeout(() => {
      if (userDraft.value.trim() !== messageFilter.value.user) {
        applyFilter({ user: userDraft.value.trim() });
      }
    }, 400);
  };
  return (
    <Section id="messages" title={t("messages.title")}>
      <div class="inline filters">
        <select
          aria-label={t("messages.roomFilter")}
          value={filter.room}
          onChange={(e) => applyFilter({ room: e.currentTarget.value })}
        >
          <option value="">
            {showDms.value ? t("messages.allRoomsAndDirect") : t("messages.allRooms")}
          </option>
          {rooms.value.map((r) => <option key={r.name} value={r.name}>{r.name}</option>)}
        </select>
        <input
          type="search"
          aria-label={t("messages.userFilter")}
          placeholder={t("messages.userPlaceholder")}
          value={userDraft}
          onInput={onUserInput}
          onKeyDown={(e) => {
            if (e.key !== "Enter") return;
            clearTimeout(typing);
            applyFilter({ user: userDraft.value.trim() });
          }}
        />
        {isAdmin.value && (
          <label class="switch">
            <input
              type="checkbox"
              role="switch"
              checked={dmsWanted.value}
              data-testid="show-dms"
              onChange={(e) => (dmsWanted.value = e.currentTarget.checked)}
            />
            {t("messages.showDms")}
          </label>
        )}
      </div>
      <p class="muted small-text" data-testid="dm-note">
        {showDms.value ? t("messages.dmsShown") : t("messages.dmsHidden")}
      </p>
      {feedError.value !== null && (
        <p class="error" role="alert" data-testid="feed-error">
          {t("messages.loadFailed", { reason: describeError(feedError.value) })}{" "}
          <button type="button" class="small" onClick={reload}>{t("messages.retry")}</button>
        </p>
      )}
      {messages.value.length === 0
        ? feedError.value === null && <p class="empty">{t("messages.empty")}</p>
        : (
          <ol class="messages" data-testid="messages">
            {messages.value.map((m) => <MessageRow key={m.msgid} message={m} />)}
          </ol>
        )}
    </Section>
  );
}

function MessageRow({ message: m }: { message: MessageView }) {
  const remove = async (event: Event) => {
    const anchor = anchorOf(event);
    const yes = await ask({
      title: t("messages.deleteTitle"),
      body: t("messages.deleteBody", {
        user: m.user,
        room: m.room ?? "",
        text: m.text.slice(0, 120),
      }),
      confirm: t("messages.deleteConfirm"),
    });
    if (!yes) return;
    const ok = await act(
      () => api("DELETE", `/api/messages/${seg(m.msgid)}`),
      t("messages.deleted"),
      anchor,
    );
    if (ok) markDeleted(m.msgid);
  };
  return (
    <li class={m.deleted ? "message deleted" : "message"} data-msgid={m.msgid}>
      <span class="muted">{clock(m.ts, now.value)}</span>{" "}
      <span class="where">{m.room !== null ? `#${m.room}` : `→ ${m.to}`}</span>{" "}
      <strong>{m.user}</strong> {m.deleted
        ? <em class="muted">{t("messages.deletedMark")}</em>
        : <span class="text">{m.text}</span>}
      {m.room !== null && !m.deleted && (
        <button
          type="button"
          class="small msg-delete"
          aria-label={t("messages.deleteConfirm")}
          onClick={remove}
        >
          {t("common.delete")}
        </button>
      )}
    </li>
  );
}
