/** Confirmation before destructive actions: `ask` opens the dialog and resolves to the answer. */
import { signal } from "@preact/signals";

/** What the confirmation dialog asks. */
export interface Question {
  title: string;
  body: string;
  /** The label of the button that goes ahead (e.g. "Ban mallory"). */
  confirm: string;
}

interface Pending extends Question {
  answer: (yes: boolean) => void;
}

/** The open question, if any. */
export const question = signal<Pending | null>(null);

/** Asks `q` in a modal dialog; resolves true only when the user confirms. */
export function ask(q: Question): Promise<boolean> {
  question.value?.answer(false);
  return new Promise((resolve) => {
    question.value = {
      ...q,
      answer: (yes) => {
        question.value = null;
        resolve(yes);
      },
    };
  });
}
