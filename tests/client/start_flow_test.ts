/**
 * The start screen in a real terminal (tmux) against a real server whose registrations
 * per address are used up: the refusal says which limit, how long to wait and who can raise
 * it, and "not now" keeps the name and password typed (Enter sends them again) instead of
 * asking for both again. In French, Escape at a question says so in French and goes back to
 * the menu, which Escape does not quit. The refusals' sentences, from the real module.
 */
import assert from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { TmuxTerminal } from "./tmux.ts";
import { lineModeCommand, PASSWORD } from "./client_terminal.ts";
import { startRefusal } from "../../lib/client/ui/start_flow.ts";
import { useClientLanguage } from "../../lib/client/i18n.ts";
import { matchLanguage, NEUTRAL_CHOICE } from "../../lib/i18n/languages.ts";
import type { ErrorReply } from "../../lib/protocol/server_frames.ts";

/** Wide enough that no sentence of the start screen wraps. */
const WIDE = { columns: 250, rows: 40 };

Deno.test("start screen: bad input a registration over the address's limit (rate_limited) says which limit, how long to wait and who can raise it; Enter retries with the same name and password, Escape goes back to the menu", async () => {
  // One registration per address and 10 minutes, used up before the client starts.
  const server = await startServer({ limits: true, args: ["--auth-rate", "1"] });
  let first: FrameClient | null = null;
  let term: TmuxTerminal | null = null;
  try {
    first = await FrameClient.connect(server.port);
    await first.ok({ type: "register", user: "first", password: PASSWORD });
    term = await TmuxTerminal.start(lineModeCommand(server.port), {}, WIDE);
    await term.waitFor("❯ Register");
    await term.keys("Enter");
    await term.waitFor("User name:");
    await term.line("carol");
    await term.waitFor("Password:");
    await term.line(PASSWORD);
    await term.waitFor("Password again:");
    await term.line(PASSWORD);
    const refused = await term.waitFor("(--auth-rate 60 for a class).");
    assert.match(
      refused,
      /!! Too many registrations from this network lately; try again in \d+ minutes?(?: \d+ seconds?)?, or ask the server's administrator to raise the limit \(--auth-rate 60 for a class\)\./,
    );
    const sentence = refused.split("\n").find((line) => line.startsWith("!! "));
    assert.equal(sentence?.match(/try again/g)?.length, 1, refused);
    await term.waitFor("Press Enter to try again, or Escape to go back:");
    await term.keys("Enter");
    // Sent again as typed: refused again, and neither the name nor the password was asked.
    const screen = await term.waitFor(
      /Press Enter to try again, or Escape to go back:[^]*Press Enter to try again, or Escape to go back:/,
    );
    assert.equal(screen.match(/User name:/g)?.length, 1, screen);
    await term.keys("Escape");
    await term.waitFor(/go back:[^]*❯ Register/);
  } finally {
    first?.close();
    await term?.close();
    await server.cleanup();
  }
});

Deno.test("start screen, French: Escape at a question says (annulé) and goes back to the menu, whose keys name no Escape and which Escape does not quit; the registration limit is said once, in French", async () => {
  const server = await startServer({ limits: true, args: ["--auth-rate", "1"] });
  let first: FrameClient | null = null;
  let term: TmuxTerminal | null = null;
  try {
    first = await FrameClient.connect(server.port);
    await first.ok({ type: "register", user: "premier", password: PASSWORD });
    term = await TmuxTerminal.start(
      lineModeCommand(server.port),
      { LANG: "fr_FR.UTF-8", NO_COLOR: "1" },
      WIDE,
    );
    let screen = await term.waitFor("❯ S'inscrire");
    assert.match(screen, /↑\/↓ pour choisir, Entrée pour valider/);
    assert.doesNotMatch(screen, /Échap|bouger/, "nothing to go back to from the first menu");
    await term.keys("Enter");
    await term.waitFor("Nom d'utilisateur :");
    await term.keys("Escape");
    screen = await term.waitFor(/Nom d'utilisateur : +\(annulé\)[^]*❯ S'inscrire/);
    assert.doesNotMatch(screen, /cancelled/);
    // Escape on the first menu: it stays (Quitter is in the list).
    await term.keys("Escape");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    screen = await term.screen();
    assert.doesNotMatch(screen, /EXIT=/, screen);
    assert.match(screen.trimEnd().split("\n").slice(-4).join("\n"), /❯ S'inscrire/, screen);

    await term.keys("Enter");
    await term.waitFor(/\(annulé\)[^]*Nom d'utilisateur :/);
    await term.line("carole");
    await term.waitFor(/carole\s+Mot de passe :/);
    await term.line(PASSWORD);
    await term.waitFor("Mot de passe (à nouveau) :");
    await term.line(PASSWORD);
    const refused = await term.waitFor("(--auth-rate 60 pour une classe).");
    assert.match(
      refused,
      /!! Trop d'inscriptions depuis ce réseau ces derniers temps ; réessayez dans \d+ minutes?(?: \d+ secondes?)?, ou demandez à qui gère le serveur de relever la limite \(--auth-rate 60 pour une classe\)\./,
    );
    const sentence = refused.split("\n").find((line) => line.startsWith("!! "));
    assert.equal(sentence?.match(/réessayez/g)?.length, 1, refused);
  } finally {
    first?.close();
    await term?.close();
    await server.cleanup();
  }
});

/** A `rate_limited` refusal, with the waits given. */
function _limited(wait: { retry_after?: number; retryAfterMs?: number }): ErrorReply {
  return { type: "error", code: "rate_limited", message: "Too many.", ...wait };
}

Deno.test("start screen: bad input rate_limited at login is too many login attempts, with its wait or without one", () => {
  assert.equal(
    startRefusal(_limited({ retry_after: 2, retryAfterMs: 1_500 }), "login"),
    "Too many login attempts lately; try again in 2 seconds.",
  );
  assert.equal(
    startRefusal(_limited({}), "login"),
    "Too many login attempts lately; try again in a moment.",
  );
  // A wait past a day (a broken server's) is not said.
  assert.equal(
    startRefusal(_limited({ retryAfterMs: 1e12 }), "register"),
    "Too many registrations from this network lately; try again later, or ask the server's administrator to raise the limit (--auth-rate 60 for a class).",
  );
  // Another refusal with a wait keeps its sentence, the wait in brackets.
  assert.equal(
    startRefusal({ type: "error", code: "unavailable", message: "", retry_after: 5 }, "login"),
    "The server cannot store messages right now; try again in a moment. (wait 5 seconds)",
  );
  assert.equal(
    startRefusal({ type: "error", code: "bad_credentials", message: "" }, "login"),
    "Wrong user name or password.",
  );
});

Deno.test("start screen: the same in French, réessayez said once", () => {
  useClientLanguage(matchLanguage("fr")!);
  try {
    assert.equal(
      startRefusal(_limited({ retryAfterMs: 546_000 }), "register"),
      "Trop d'inscriptions depuis ce réseau ces derniers temps ; réessayez dans 9 minutes 6 secondes, ou demandez à qui gère le serveur de relever la limite (--auth-rate 60 pour une classe).",
    );
    assert.equal(
      startRefusal(_limited({ retry_after: 1 }), "login"),
      "Trop de tentatives de connexion ces derniers temps ; réessayez dans 1 seconde.",
    );
    assert.equal(
      startRefusal(_limited({}), "register"),
      "Trop d'inscriptions depuis ce réseau ces derniers temps ; réessayez plus tard, ou demandez à qui gère le serveur de relever la limite (--auth-rate 60 pour une classe).",
    );
    assert.equal(
      startRefusal({ type: "error", code: "unavailable", message: "", retry_after: 5 }, "login"),
      "Le serveur ne peut pas enregistrer de messages pour l'instant ; réessayez dans un moment. (patientez 5 secondes)",
    );
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
});
