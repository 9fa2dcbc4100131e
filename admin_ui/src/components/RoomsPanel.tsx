/** Rooms with their online counts: create, delete, set the topic. */
import { useSignal } from "@preact/signals";
import { api, seg } from "../api.ts";
import type { RoomView } from "../../../lib/admin/api_types.ts";
import { act, rooms } from "../state.ts";

/** The rooms panel. */
export function RoomsPanel() {
  const name = useSignal("");
  const topic = useSignal("");
  const create = async (event: Event) => {
    event.preventDefault();
    const ok = await act(
      () => api("POST", "/api/rooms", { name: name.value, topic: topic.value || null }),
      `Created room ${name.value}.`,
    );
    if (ok) {
      name.value = "";
      topic.value = "";
    }
  };
  return (
    <section class="panel rooms" aria-labelledby="rooms-title">
      <h2 id="rooms-title">
        Rooms <span class="count">{rooms.value.length}</span>
      </h2>
      <ul class="rows" data-testid="rooms">
        {rooms.value.map((room) => <RoomRow key={room.name} room={room} />)}
      </ul>
      <form class="inline" onSubmit={create}>
        <input
          aria-label="New room name"
          placeholder="new room"
          value={name}
          onInput={(e) => (name.value = e.currentTarget.value)}
        />
        <input
          aria-label="New room topic"
          placeholder="topic (optional)"
          value={topic}
          onInput={(e) => (topic.value = e.currentTarget.value)}
        />
        <button type="submit">Create</button>
      </form>
    </section>
  );
}

function RoomRow({ room }: { room: RoomView }) {
  const editing = useSignal(false);
  const confirming = useSignal(false);
  const topic = useSignal(room.topic ?? "");
  const saveTopic = async (event: Event) => {
    event.preventDefault();
    const ok = await act(
      () => api("PUT", `/api/rooms/${seg(room.name)}/topic`, { topic: topic.value || null }),
      `Set the topic of ${room.name}.`,
    );
    if (ok) editing.value = false;
  };
  return (
    <li class="row" data-room={room.name}>
      <div class="row-head">
        <strong class="name">{room.name}</strong>
        <span class="muted">{room.online} online</span>
        <span class="actions">
          <button type="button" class="small" onClick={() => (editing.value = !editing.value)}>
            Topic
          </button>
          {confirming.value
            ? (
              <>
                <button
                  type="button"
                  class="small danger"
                  onClick={() =>
                    act(
                      () => api("DELETE", `/api/rooms/${seg(room.name)}`),
                      `Deleted room ${room.name}.`,
                    )}
                >
                  Delete with its messages
                </button>
                <button type="button" class="small" onClick={() => (confirming.value = false)}>
                  Keep
                </button>
              </>
            )
            : (
              <button type="button" class="small" onClick={() => (confirming.value = true)}>
                Delete
              </button>
            )}
        </span>
      </div>
      {room.topic && !editing.value && <p class="topic">{room.topic}</p>}
      {editing.value && (
        <form class="inline" onSubmit={saveTopic}>
          <input
            aria-label="Topic"
            value={topic}
            onInput={(e) => (topic.value = e.currentTarget.value)}
          />
          <button type="submit">Save</button>
        </form>
      )}
    </li>
  );
}
