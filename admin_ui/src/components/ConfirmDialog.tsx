/**
 * The confirmation dialog: a modal `<dialog>` (the rest of the page is inert), Tab and
 * Shift+Tab cycle inside it, Esc cancels, and the focus returns where it was.
 */
import { useEffect, useRef } from "preact/hooks";
import { question } from "../confirm.ts";
import { t } from "../i18n.ts";

/** Shows the open question, if any. */
export function ConfirmDialog() {
  const ref = useRef<HTMLDialogElement>(null);
  const q = question.value;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || !q) return;
    const before = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLButtonElement>("button.cancel")?.focus();
    return () => {
      if (dialog.open) dialog.close();
      before?.focus?.();
    };
  }, [q]);
  if (!q) return null;
  const trap = (event: KeyboardEvent) => {
    if (event.key !== "Tab") return;
    const buttons = [...ref.current!.querySelectorAll("button")];
    const first = buttons[0]!;
    const last = buttons.at(-1)!;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };
  return (
    <dialog
      ref={ref}
      class="confirm-dialog"
      aria-labelledby="confirm-title"
      aria-describedby="confirm-body"
      data-testid="confirm"
      onCancel={(e) => {
        e.preventDefault();
        q.answer(false);
      }}
      onKeyDown={trap}
    >
      <h2 id="confirm-title">{q.title}</h2>
      <p id="confirm-body">{q.body}</p>
      <div class="dialog-buttons">
        <button type="button" class="cancel quiet" onClick={() => q.answer(false)}>
          {t("common.cancel")}
        </button>
        <button type="button" class="danger" onClick={() => q.answer(true)}>{q.confirm}</button>
      </div>
    </dialog>
  );
}
