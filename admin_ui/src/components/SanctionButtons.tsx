/**
 * The kick / mute / ban buttons of a user row (ban for admins only): each opens its form
 * below the row, pressed again it closes it. Shared by the Users and Accounts sections.
 */
import type { Signal } from "@preact/signals";
import { fresh, isAdmin } from "../state.ts";
import { t } from "../i18n.ts";
import type { SanctionAction } from "./SanctionForm.tsx";

/** The measures staff may impose on a user (ban is admin-only). */
export function allowedActions(): SanctionAction[] {
  return isAdmin.value ? ["kick", "mute", "ban"] : ["kick", "mute"];
}

/** One button per allowed sanction; `open` holds the form shown (or something else). */
export function SanctionButtons<T extends string>(
  { open }: { open: Signal<SanctionAction | T | null> },
) {
  const toggle = (action: SanctionAction) => (open.value = open.value === action ? null : action);
  return (
    <>
      {allowedActions().map((action) => (
        <button
          type="button"
          key={action}
          class={open.value === action ? "small on" : "small"}
          aria-expanded={open.value === action}
          disabled={!fresh.value}
          onClick={() => toggle(action)}
        >
          {t(`action.${action}`)}
        </button>
      ))}
    </>
  );
}
