/**
 * Rooms with their online counts: topic and slow mode (staff), create and delete (admins;
 * deleting asks first). Names go in the query (`?name=`, `?room=`), so `.` and `..` work.
 */
import { useSignal } from "@preact/signals";
import { api, seg } from "../api.ts";
import type { RoomView } from "../../../lib/admin/api_types.ts";
import { ask } from "../confirm.ts";
import { byName, isAdmin, rooms } from "../state.ts";
import { act, anchorOf } from "../toasts.ts";
import { Section } from "./Section.tsx";
import { t } from "../i18n.ts";

/** The rooms section. */
export function RoomsPanel() {
  const name = useSignal("");
  const topic = useSignal("");
  const create = async (event: Event) => {
    event.preventDefault();
    const ok = await act(
      () => api("POST", "/api/rooms", { name: name.value, topic: topic.value || null }),
      t("rooms.created", { room: name.value }),
      anchorOf(event),
    );
    if (ok) {
      name.value = "";
      topic.value = "";
    }
  };
  return (
    <Section id="rooms" title={t("rooms.title")} count={rooms.value.length}>
      <ul class="rows" data-testid="rooms">
        {rooms.value.map((room) => <RoomRow key={room.name} room={room} />)}
      </ul>
      {isAdmin.value && (
        <form class="inline" onSubmit={create}>
          <input
            aria-label={t("rooms.newName")}
            placeholder={t("rooms.newNamePlaceholder")}
            value={name}
            onInput={(e) => (name.value = e.currentTarget.value)}
          />
          <input
            aria-label={t("rooms.newTopic")}
            placeholder={t("rooms.newTopicPlaceholder")}
            value={topic}
            onInput={(e) => (topic.value = e.currentTarget.value)}
          />
          <button type="submit">{t("rooms.create")}</button>
        </form>
      )}
    </Section>
  );
}

function RoomRow({ room }: { room: RoomView }) {
  const editing = useSignal<"topic" | "slowmode" | null>(null);
  const topic = useSignal(room.topic ?? "");
  const seconds = useSignal(String(room.slowmode ?? 0));
  const toggle = (
    what: "topic" | "slowmode",
  ) => (editing.value = editing.value === what ? null : what);
  const saveTopic = async (event: Event) => {
    event.preventDefault();
    const ok = await act(
      () => api("PUT", byName("/api/topic", "room", room.name), { topic: topic.value || null }),
      t("rooms.topicSet", { room: room.name }),
      anchorOf(event),
    );
    if (ok) editing.value = null;
  };
  const saveSlowMode = async (event: Event) => {
    event.preventDefault();
    const n = Number(seconds.value);
    const ok = await act(
      () => api("PUT", `/api/rooms/${seg(room.name)}/slowmode`, { seconds: n }),
      n === 0 ? t("rooms.slowOff", { room: room.name }) : t("rooms.slowOn", { room: room.name, n }),
      anchorOf(event),
    );
    if (ok) editing.value = null;
  };
  const remove = async (event: Event) => {
    const anchor = anchorOf(event);
    const yes = await ask({
      title: t("rooms.deleteTitle", { room: room.name }),
      body: t("rooms.deleteBody", { n: room.online }),
      confirm: t("rooms.deleteConfirm", { room: room.name }),
    });
    if (!yes) return;
    await act(
      () => api("DELETE", byName("/api/rooms", "name", room.name)),
      t("rooms.deleted", { room: room.name }),
      anchor,
    );
  };
  return (
    <li class="row" data-room={room.name}>
      <div class="row-head">
        <strong class="name">{room.name}</strong>
        <span class="muted">{t("rooms.online", { n: room.online })}</span>
        {(room.slowmode ?? 0) > 0 && (
          <span class="badge">{t("rooms.slowBadge", { n: room.slowmode ?? 0 })}</span>
        )}
        <span class="actions">
          <button
            type="button"
            class={editing.value === "topic" ? "small on" : "small"}
            aria-expanded={editing.value === "topic"}
            onClick={() => toggle("topic")}
          >
            {t("rooms.topic")}
          </button>
          <button
            type="button"
            class={editing.value === "slowmode" ? "small on" : "small"}
            aria-expanded={editing.value === "slowmode"}
            onClick={() => toggle("slowmode")}
          >
            {t("rooms.slowMode")}
          </button>
          {isAdmin.value && (
            <button type="button" class="small" onClick={remove}>{t("rooms.deleteButton")}</button>
          )}
        </span>
      </div>
      {room.topic && editing.value !== "topic" && <p class="topic">{room.topic}</p>}
      {editing.value === "topic" && (
        <form class="inline" onSubmit={saveTopic}>
          <input
            aria-label={t("rooms.topic")}
            value={topic}
            onInput={(e) => (topic.value = e.currentTarget.value)}
          />
          <button type="submit">{t("common.save")}</button>
        </form>
      )}
      {editing.value === "slowmode" && (
        <form class="inline" onSubmit={saveSlowMode}>
          <label class="inline-label">
            {t("rooms.slowSeconds")}
            <input
              type="number"
              min={0}
              max={3600}
              step={1}
              required
              value={seconds}
              onInput={(e) => (seconds.value = e.currentTarget.value)}
            />
          </label>
          <button type="submit">{t("common.set")}</button>
        </form>
      )}
    </li>
  );
}
