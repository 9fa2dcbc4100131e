/** Shutting the server down: a warning, a delay, and a confirmation. */
import { useSignal } from "@preact/signals";
import { api } from "../api.ts";
import { act, shutdown, stats } from "../state.ts";

/** The shutdown panel. */
export function KillPanel() {
  const message = useSignal("The server is shutting down for maintenance.");
  const delay = useSignal("10");
  const confirming = useSignal(false);
  const seconds = Number(delay.value);
  const valid = delay.value.trim() !== "" && Number.isInteger(seconds) && seconds >= 0 &&
    seconds <= 3600;
  const kill = async () => {
    confirming.value = false;
    const ok = await act(
      () => api("POST", "/api/shutdown", { message: message.value, delay: seconds }),
      `Shutdown started: the server stops in ${seconds} s.`,
    );
    if (ok) shutdown.value = { at: Date.now() + seconds * 1000, message: message.value };
  };
  return (
    <section class="panel kill" aria-labelledby="kill-title">
      <h2 id="kill-title">Shut down the server</h2>
      <label>
        Warning sent to every client
        <input
          aria-label="Shutdown message"
          value={message}
          onInput={(e) => (message.value = e.currentTarget.value)}
        />
      </label>
      <label>
        Delay (seconds)
        <input
          aria-label="Shutdown delay"
          inputMode="numeric"
          value={delay}
          onInput={(e) => (delay.value = e.currentTarget.value)}
        />
      </label>
      {!confirming.value
        ? (
          <button
            type="button"
            class="danger"
            disabled={!valid || shutdown.value !== null}
            onClick={() => (confirming.value = true)}
          >
            Shut down…
          </button>
        )
        : (
          <div class="confirm" role="alertdialog" aria-label="Confirm shutdown">
            <p>
              All {stats.value?.connections ?? 0} connections will be warned, then closed in{" "}
              {seconds} s, and the server will exit. Nobody can chat until it is started again.
            </p>
            <button type="button" class="danger" onClick={kill}>Yes, shut it down</button>
            <button type="button" onClick={() => (confirming.value = false)}>Cancel</button>
          </div>
        )}
    </section>
  );
}
