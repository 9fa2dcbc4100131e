/**
 * Toasts: the result of an action, shown next to the control that started it (fixed
 * position, so nothing else moves), for a few seconds; errors stay longer. Changing section
 * takes them away: they would stay where their button was, over the new section's controls.
 */
import { effect, signal } from "@preact/signals";
import { describeError } from "./api.ts";
import { section } from "./sections.ts";

/** A toast on screen: its text and where it sits in the viewport (px). */
export interface Toast {
  id: number;
  kind: "ok" | "error";
  text: string;
  top: number;
  left: number;
}

/** The toasts on screen, oldest first. */
export const toasts = signal<Toast[]>([]);

const WIDTH = 352;
const HEIGHT = 56;
let nextId = 1;

/** Where a toast for `anchor` goes: just below it, or above it near the viewport's bottom. */
function place(anchor: Element | null | undefined): { top: number; left: number } {
  const vw = globalThis.innerWidth;
  const vh = globalThis.innerHeight;
  const rect = anchor?.isConnected ? anchor.getBoundingClientRect() : null;
  if (!rect) return { top: 8, left: Math.max(8, vw - WIDTH - 8) };
  let top = rect.bottom + 6;
  if (top + HEIGHT > vh - 8) top = rect.top - HEIGHT - 6;
  top = Math.min(Math.max(8, top), Math.max(8, vh - HEIGHT - 8));
  const left = Math.min(Math.max(8, rect.left), Math.max(8, vw - Math.min(WIDTH, vw - 16) - 8));
  return { top, left };
}

/** Shows a toast near `anchor` (the button or form of the action). */
export function toast(kind: "ok" | "error", text: string, anchor?: Element | null): void {
  const id = nextId++;
  toasts.value = [...toasts.value.slice(-3), { id, kind, text, ...place(anchor) }];
  setTimeout(() => dismissToast(id), kind === "ok" ? 4000 : 9000);
}

/** The section the toasts on screen were shown in. */
let shownIn = section.peek();

effect(() => {
  const current = section.value;
  if (current === shownIn) return;
  shownIn = current;
  // An action still under way reports later in the corner: its button is gone by then.
  toasts.value = [];
});

/** Removes a toast. */
export function dismissToast(id: number): void {
  toasts.value = toasts.value.filter((t) => t.id !== id);
}

/**
 * Runs an action and reports `done` or the error in a toast near `anchor`; resolves to
 * whether it worked.
 */
export async function act(
  action: () => Promise<unknown>,
  done: string,
  anchor?: Element | null,
): Promise<boolean> {
  try {
    await action();
    toast("ok", done, anchor);
    return true;
  } catch (error) {
    toast("error", describeError(error), anchor);
    return false;
  }
}

/** The element an event came from, for `act`'s anchor. */
export function anchorOf(event: Event): Element | null {
  const submitter = (event as SubmitEvent).submitter;
  if (submitter) return submitter;
  return event.currentTarget instanceof Element ? event.currentTarget : null;
}
