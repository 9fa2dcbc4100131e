/**
 * One full path in French in a real terminal: the client takes French from `LANG`, the
 * server speaks French (`FASTCHAT_LANG=fr`): register, create and join `Général`, chat,
 * get muted through the admin API, and see the mute in French with a local `HH:MM`.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";
import { TmuxTerminal } from "./tmux.ts";
import { CLIENT as CLIENT_BINARY } from "../../scripts/lib/binaries.ts";
import { UNTIL_TIME } from "./support.ts";

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;
const PASSWORD = "mot de passe sûr";

Deno.test("french: register, join Général, chat, get muted and read it in French", async () => {
  const server = await startServer({
    env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN, FASTCHAT_LANG: "fr" },
  });
  let term: TmuxTerminal | null = null;
  try {
    term = await TmuxTerminal.start(
      [
        Deno.execPath(),
        "run",
        ...CLIENT_BINARY.permissions,
        CLIENT,
        `127.0.0.1:${server.port}`,
        "--plain",
      ],
      { LANG: "fr_FR.UTF-8", NO_COLOR: "1" },
    );
    const greeting = await term.waitFor("S'inscrire");
    assert.match(greeting, /Bienvenue sur FastChat\./, "the server's French motd");
    assert.match(greeting, /Connexion établie avec fastchat\//);
    await term.keys("Enter");
    await term.waitFor("Nom d'utilisateur :");
    await term.line("amélie");
    await term.waitFor("Mot de passe :");
    await term.line(PASSWORD);
    await term.waitFor("Mot de passe (à nouveau) :");
    await term.line(PASSWORD);
    await term.waitFor("Compte amélie créé");
    await term.waitFor("Compte amélie connecté.");
    const picker = await term.waitFor(/Choisissez un salon \((\d+)\) :/);
    const rooms = Number(/Choisissez un salon \((\d+)\) :/.exec(picker)![1]);
    for (let i = 0; i < rooms; i++) await term.keys("Down");
    await term.keys("Enter");
    await term.waitFor("Nom du salon :");
    await term.line("Général");
    await term.waitFor("Sujet (facultatif) :");
    await term.line("");
    await term.waitFor("Vous avez rejoint Général");
    await term.waitFor("Pas encore de message. Dites bonjour !");

    await term.line("bonjour à tous");
    await term.waitFor(/\d\d:\d\d amélie: bonjour à tous/);
    await term.line("/help");
    const help = await term.waitFor("rejoindre un salon");
    assert.match(help, /\/join SALON +rejoindre un salon/, "usages in French");
    assert.match(help, /\/msg PSEUDO texte +envoyer un message privé/);

    const muted = await admin(server.adminPort, "POST", "/api/mute", {
      user: "amélie",
      duration: "5m",
    });
    assert.equal(muted.status, 200, JSON.stringify(muted.body));
    const screen = await term.waitFor("Vous ne pouvez plus écrire jusqu'à");
    assert.match(
      screen,
      new RegExp(`Vous ne pouvez plus écrire jusqu'à ${UNTIL_TIME}\\.`),
      "local 24-hour time",
    );
    assert.doesNotMatch(screen, /\d{4}-\d\d-\d\dT\d\d:\d\d/, "no raw ISO time");
    // The refusal's code is translated by the client (the server's message is English).
    await term.line("encore là ?");
    const refused = await term.waitFor("Non envoyé (remis dans la zone de saisie).");
    assert.match(
      refused,
      new RegExp(
        `Vous ne pouvez plus écrire jusqu'à ${UNTIL_TIME}\\. Non envoyé \\(remis dans la zone de saisie\\)\\.`,
      ),
    );
    assert.doesNotMatch(refused, /You are muted/);
  } finally {
    await term?.close();
    await server.cleanup();
  }
});
