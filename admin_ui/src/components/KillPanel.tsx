/** Shutting the server down (admins): a warning, a delay, and a confirmation dialog. */
import { useSignal } from "@preact/signals";
import { api } from "../api.ts";
import { shutdown, stats } from "../state.ts";
import { act, anchorOf } from "../toasts.ts";
import { ask } from "../confirm.ts";
import { t } from "../i18n.ts";
import { span } from "../format.ts";

/** The shutdown form. */
export function KillPanel() {
  const message = useSignal(t("kill.defaultMessage"));
  const delay = useSignal("10");
  const seconds = Number(delay.value);
  const valid = delay.value.trim() !== "" && Number.isInteger(seconds) && seconds >= 0 &&
    seconds <= 3600;
  const kill = async (event: Event) => {
    event.preventDefault();
    const anchor = anchorOf(event);
    const yes = await ask({
      title: t("kill.confirmTitle"),
      body: t("kill.confirmBody", { n: stats.value?.connections ?? 0, delay: span(seconds) }),
      confirm: t("kill.confirm"),
    });
    if (!yes) return;
    const ok = await act(
      () => api("POST", "/api/shutdown", { message: message.value, delay: seconds }),
      t("kill.started", { delay: span(seconds) }),
      anchor,
    );
    if (ok) shutdown.value = { at: Date.now() + seconds * 1000, message: message.value };
  };
  return (
    <form class="kill" onSubmit={kill} aria-labelledby="kill-title">
      <h3 id="kill-title">{t("kill.title")}</h3>
      <label>
        {t("kill.warning")}
        <input
          aria-label={t("kill.messageLabel")}
          value={message}
          onInput={(e) => (message.value = e.currentTarget.value)}
        />
      </label>
      <label>
        {t("kill.delay")}
        <input
          aria-label={t("kill.delayLabel")}
          inputMode="numeric"
          value={delay}
          onInput={(e) => (delay.value = e.currentTarget.value)}
        />
      </label>
      <button type="submit" class="danger" disabled={!valid || shutdown.value !== null}>
        {t("kill.submit")}
      </button>
    </form>
  );
}
