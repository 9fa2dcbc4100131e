/** The signals that stop a server: SIGINT, and SIGTERM (SIGBREAK, Ctrl-Break, on Windows). */

/** Calls `stop` on each stop signal until the returned function removes the listeners. */
export function onStopSignals(stop: () => void): () => void {
  // Windows has no SIGTERM (listening for it throws there); SIGBREAK is Ctrl-Break.
  const signals: Deno.Signal[] = ["SIGINT", Deno.build.os === "windows" ? "SIGBREAK" : "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  return () => {
    for (const signal of signals) Deno.removeSignalListener(signal, stop);
  };
}
