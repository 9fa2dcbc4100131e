/** The toasts, each next to the control whose action it reports. */
import { dismissToast, toasts } from "../toasts.ts";
import { t } from "../i18n.ts";

/** Renders the toasts on screen. */
export function Toasts() {
  return (
    <div class="toasts" aria-live="polite">
      {toasts.value.map((toast) => (
        <div
          key={toast.id}
          class={`toast toast-${toast.kind}`}
          role={toast.kind === "error" ? "alert" : "status"}
          data-testid="toast"
          style={{ top: `${toast.top}px`, left: `${toast.left}px` }}
        >
          <span>{toast.text}</span>
          <button
            type="button"
            class="toast-close"
            aria-label={t("common.dismiss")}
            onClick={() => dismissToast(toast.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
