/** Address bans (admins): IPv4/IPv6 addresses or CIDR ranges, timed or permanent. */
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api, seg } from "../api.ts";
import { addressBans } from "../lists.ts";
import { now } from "../state.ts";
import { act, anchorOf, toast } from "../toasts.ts";
import { clock, durationText, fromNow } from "../format.ts";
import { t } from "../i18n.ts";
import { toApiDuration } from "../duration_input.ts";
import { RemoteView } from "./Section.tsx";

/** The address bans list and form. */
export function AddressBans() {
  useEffect(() => void addressBans.load(), []);
  const address = useSignal("");
  const duration = useSignal("");
  const reason = useSignal("");
  const add = async (event: Event) => {
    event.preventDefault();
    const target = address.value.trim();
    const body: Record<string, string> = { address: target, reason: reason.value };
    if (duration.value.trim()) {
      const wire = toApiDuration(duration.value);
      if (wire === null) {
        toast("error", t("error.duration"), anchorOf(event));
        return;
      }
      body.duration = wire;
    }
    const ok = await act(
      () => api("POST", "/api/address-bans", body),
      body.duration
        ? t("addressBans.doneFor", {
          address: target,
          duration: durationText(body.duration),
        })
        : t("addressBans.done", { address: target }),
      anchorOf(event),
    );
    if (ok) {
      address.value = "";
      void addressBans.load();
    }
  };
  return (
    <div data-testid="address-bans-block">
      <h3>{t("addressBans.title")}</h3>
      <RemoteView state={addressBans.state.value}>
        {(bans) => (
          <>
            {bans.length === 0
              ? <p class="empty">{t("common.none")}</p>
              : (
                <ul class="rows" data-testid="address-bans">
                  {bans.map((b) => (
                    <li class="row compact" key={String(b.id)}>
                      <strong class="nowrap">{b.address}</strong>
                      <span class="muted">
                        {b.until
                          ? t("addressBans.until", {
                            until: clock(b.until, now.value),
                            left: fromNow(b.until, now.value),
                          })
                          : t("sanctions.untilLifted")}
                        {b.reason ? ` · ${b.reason}` : ""} · {t("common.by", { user: b.by })}
                      </span>
                      <button
                        type="button"
                        class="small"
                        onClick={(e) =>
                          act(
                            () => api("DELETE", `/api/address-bans/${seg(String(b.id))}`),
                            t("addressBans.lifted", { address: b.address }),
                            anchorOf(e),
                          ).then((ok) => void (ok && addressBans.load()))}
                      >
                        {t("common.lift")}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            <form class="sanction" onSubmit={add}>
              <input
                aria-label={t("addressBans.address")}
                placeholder={t("addressBans.addressPlaceholder")}
                required
                value={address}
                onInput={(e) => (address.value = e.currentTarget.value)}
              />
              <input
                aria-label={t("addressBans.duration")}
                placeholder={t("addressBans.durationPlaceholder")}
                value={duration}
                onInput={(e) => (duration.value = e.currentTarget.value)}
              />
              <input
                aria-label={t("addressBans.reason")}
                placeholder={t("common.reasonOptional")}
                value={reason}
                onInput={(e) => (reason.value = e.currentTarget.value)}
              />
              <button type="submit" class="danger">{t("addressBans.submit")}</button>
            </form>
          </>
        )}
      </RemoteView>
    </div>
  );
}
