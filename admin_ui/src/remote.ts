/**
 * A list loaded from the API, with the states the page shows: loading, ready, missing (an
 * older server without the route: "not available on this server"), forbidden, or failed
 * (the error is kept, and described when shown, in the language of that moment).
 */
import { type Signal, signal } from "@preact/signals";
import { isForbidden, isMissingRoute } from "./api.ts";

/** The state of a remote list. */
export type Remote<T> =
  | { status: "loading" }
  | { status: "ready"; data: T }
  | { status: "missing" }
  | { status: "forbidden" }
  | { status: "error"; error: unknown };

/** A remote list and the function that (re)loads it. */
export interface RemoteList<T> {
  state: Signal<Remote<T>>;
  load(): Promise<void>;
}

/** Wraps `fetcher`; a reload keeps the previous data on screen until the new one arrives. */
export function remote<T>(fetcher: () => Promise<T>): RemoteList<T> {
  const state = signal<Remote<T>>({ status: "loading" });
  return {
    state,
    async load() {
      try {
        state.value = { status: "ready", data: await fetcher() };
      } catch (error) {
        if (isMissingRoute(error)) state.value = { status: "missing" };
        else if (isForbidden(error)) state.value = { status: "forbidden" };
        else if (state.value.status !== "ready") {
          state.value = { status: "error", error };
        }
      }
    },
  };
}
