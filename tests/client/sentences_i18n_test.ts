/**
 * The client's sentences in English and in French, from the real modules: connection
 * errors, a refused re-login, a lost connection; and French as French writes it (the
 * words of command usages, elision before a name, agreement with a count, `[mp]`).
 */
import assert from "node:assert/strict";
import { parse } from "@formatjs/icu-messageformat-parser";
import { ConnectionLostError } from "../../lib/client/connection.ts";
import { formatPresenceBatch, shutdownSentence } from "../../lib/client/format.ts";
import { CLIENT_CATALOGS, t, useClientLanguage } from "../../lib/client/i18n.ts";
import { reloginRefusal } from "../../lib/client/reconnect.ts";
import { Style } from "../../lib/client/style.ts";
import { describeConnectError, type Endpoint } from "../../lib/client/transport.ts";
import type { ChatView } from "../../lib/client/ui/chat_view.ts";
import { syncUnread } from "../../lib/client/ui/unread_sync.ts";
import { LANGUAGES, matchLanguage, NEUTRAL_CHOICE } from "../../lib/i18n/languages.ts";
import { SERVER_CATALOGS } from "../../lib/i18n/server_texts.ts";
import { createTranslator, type MessageValues } from "../../lib/i18n/translator.ts";
import { inFrench } from "./support.ts";

const PLAIN: Endpoint = { host: "chat.example", port: 9000, tls: false };

Deno.test("sentences: a refused connection in English, then in French", () => {
  const refused = new Deno.errors.ConnectionRefused("refused");
  assert.equal(
    describeConnectError(refused, PLAIN),
    "Cannot connect to chat.example:9000: nothing is listening there (is the server running, and is the port right?).",
  );
  inFrench(() => {
    assert.match(
      describeConnectError(refused, PLAIN),
      /^Connexion à chat\.example:9000 impossible/,
    );
    assert.equal(new ConnectionLostError().message, "La connexion au serveur a été perdue.");
  });
  assert.equal(new ConnectionLostError().message, "The connection to the server was lost.");
});

Deno.test("sentences: bad input: a refused re-login is said by code, an unknown code as sent", () => {
  const wrong = { type: "error", code: "bad_credentials", message: "Bad credentials." } as const;
  const refusal = reloginRefusal(wrong);
  assert.equal(refusal.retry, false);
  assert.equal(
    refusal.retry ? "" : refusal.message,
    "Cannot log in again: Wrong user name or password.",
  );
  inFrench(() => {
    const french = reloginRefusal(wrong);
    assert.equal(
      french.retry ? "" : french.message,
      "Impossible de se reconnecter : Nom d'utilisateur ou mot de passe incorrect.",
    );
    const odd = reloginRefusal({ type: "error", code: "zzz_new", message: "Something new." });
    assert.equal(odd.retry ? "" : odd.message, "Impossible de se reconnecter : Something new.");
  });
});

/** Placeholders that hold a name (of a user, a room, a server, a file) in the catalogs. */
const NAME_PLACEHOLDERS = new Set(["user", "room", "where", "server", "address", "host", "file"]);

type _Node = { type: number; value?: string; options?: Record<string, { value: _Node[] }> };

/** Values for every placeholder of `message`: `name` for names, `count` for counts, `verb` for a select. */
function _values(message: string, name: string, count: number, verb: string): MessageValues {
  const values: Record<string, string | number> = {};
  const walk = (nodes: _Node[]) => {
    for (const node of nodes) {
      // 1 argument, 2 number, 5 select, 6 plural (icu-messageformat-parser TYPE).
      if (node.value !== undefined) {
        if (node.type === 1) values[node.value] = NAME_PLACEHOLDERS.has(node.value) ? name : "x";
        if (node.type === 2 || node.type === 6) values[node.value] = count;
        if (node.type === 5) values[node.value] = verb;
      }
      for (const option of Object.values(node.options ?? {})) walk(option.value);
    }
  };
  walk(parse(message) as _Node[]);
  return values;
}

/** French words that elide before a vowel (`de alice` is written `d'alice`). */
const ELIDING =
  /(^|[\s(«'])(de|que|le|la|ce|ne|se|me|te|je|jusque|lorsque|puisque) (alice|Élodie|Hugo)\b/i;

Deno.test("sentences: French never writes de/que/le/la before a name (no missing elision)", () => {
  const catalogs = { client: CLIENT_CATALOGS, server: SERVER_CATALOGS };
  const wrong: string[] = [];
  for (const [part, set] of Object.entries(catalogs)) {
    const french = createTranslator<string>(set, matchLanguage("fr")!);
    for (const [key, message] of Object.entries(set.fr)) {
      for (const name of ["alice", "Élodie", "Hugo"]) {
        for (const count of [1, 2]) {
          for (const verb of ["edit", "delete", "report"]) {
            const text = french.t(key, _values(message, name, count, verb));
            if (ELIDING.test(text)) wrong.push(`${part} ${key}: ${text}`);
          }
        }
      }
    }
  }
  assert.deepEqual(wrong, []);
  inFrench(() => {
    assert.equal(t("start.loggedIn", { user: "amélie" }), "Compte amélie connecté.");
    assert.equal(
      t("topic.setBy", { room: "Accueil", topic: "café", user: "alice" }),
      "Le sujet du salon Accueil est maintenant « café » (par alice).",
    );
  });
});

/**
 * French that gives the user a gender: an adjective or participle agreeing with "vous" (or
 * with a left-out "vous", as in "Connecté à …" or the status bar's "connecté"). The class
 * reading these is mixed; the sentences say the same thing about the session, the account
 * or what the user can do.
 */
const GENDERED = new RegExp(
  "(?:\\bvous (?:êtes|étiez|serez|seriez|soyez|avez été|aviez été|aurez été)(?: \\p{L}+)? |" +
    "(?:^|[.!?:;«(]\\s*))" +
    "(?:muet|banni|expulsé|retiré|exclu|connecté|reconnecté|déconnecté|bloqué|invité|prêt)(?:e|s|es)?" +
    "(?![\\p{L}\\p{N}])",
  "iu",
);

Deno.test("sentences: French addresses the user without a gender (client and server texts)", () => {
  const gendered: string[] = [];
  for (const [part, set] of Object.entries({ client: CLIENT_CATALOGS, server: SERVER_CATALOGS })) {
    const french = createTranslator<string>(set, matchLanguage("fr")!);
    for (const [key, message] of Object.entries(set.fr)) {
      for (const count of [1, 2]) {
        const text = french.t(key, _values(message, "amélie", count, "edit"));
        if (GENDERED.test(text)) gendered.push(`${part} ${key}: ${text}`);
      }
    }
  }
  assert.deepEqual(gendered, []);
  inFrench(() => {
    assert.equal(
      t("error.mutedUntil", { until: "14:05" }),
      "Vous ne pouvez plus écrire jusqu'à 14:05.",
    );
    assert.match(t("error.kicked"), /^Votre session a été fermée par un modérateur/);
  });
});

Deno.test("sentences: bad input: the gender check catches muet, expulsé, banni and a bare Connecté", () => {
  for (
    const bad of [
      "Vous êtes muet jusqu'à 14:05.",
      "Vous avez été expulsé par un modérateur.",
      "Vous aviez été retiré du salon.",
      "Vous êtes banni.",
      "Tant que vous êtes muet, rien.",
      "Connecté avec le compte amélie.",
      "Reconnecté.",
      "connecté à h2:9001",
      "Vous êtes maintenant connectée.",
    ]
  ) {
    assert.match(bad, GENDERED, bad);
  }
  for (
    const good of [
      "Vous ne pouvez plus écrire jusqu'à 14:05.",
      "Compte amélie connecté.",
      "Votre compte est banni de ce serveur.",
      "Vous avez rejoint Général",
      "en ligne sur h2:9001",
      "Connexion établie avec fastchat/1.0.",
    ]
  ) {
    assert.doesNotMatch(good, GENDERED, good);
  }
});

Deno.test("sentences: French wording of the prompts, menus and refusals put back", () => {
  inFrench(() => {
    assert.equal(t("prompt.cancelled"), "(annulé)");
    assert.equal(t("menu.keys"), "↑/↓ pour choisir, Entrée pour valider");
    assert.equal(
      t("chat.notSentBack", { reason: "Le message est vide." }),
      "Le message est vide. Non envoyé (remis dans la zone de saisie).",
    );
    assert.match(
      t("chat.quitUnsent", { count: 2 }),
      /\(hors ligne\) : tapez \/quit encore une fois/,
    );
  });
});

Deno.test("sentences: bad input: the elision check catches de, que and la before a vowel", () => {
  for (const bad of ["Message de alice", "Connecté en tant que Élodie.", "(la Hugo)"]) {
    assert.match(bad, ELIDING, bad);
  }
  for (const good of ["Message d'alice", "le salon alice", "dans alice", "de bob"]) {
    assert.doesNotMatch(good, ELIDING, good);
  }
});

Deno.test("sentences: a usage quoted in a sentence names its arguments in the sentence's language", () => {
  for (const language of LANGUAGES) {
    const texts = createTranslator(CLIENT_CATALOGS, matchLanguage(language)!);
    const room = texts.t("arg.room");
    const user = texts.t("arg.user");
    for (const [key, message] of Object.entries(CLIENT_CATALOGS[language])) {
      // The command line's --help and its errors name option values as the options do.
      if (key.startsWith("cli.") || key === "connect.tlsFailed") continue;
      for (const [, word] of message.matchAll(/\/(?:join|switch|leave|who|create) ([A-Z]+)/g)) {
        assert.equal(word, room, `${language} ${key}`);
      }
      for (const [, word] of message.matchAll(/\/msg ([A-Z]+)/g)) {
        assert.equal(word, user, `${language} ${key}`);
      }
      if (language !== "en") assert.doesNotMatch(message, /\b(ROOM|USER)\b/, `${language} ${key}`);
    }
  }
  inFrench(() => {
    assert.equal(t("chat.joinFirst"), "Rejoignez d'abord un salon : /join SALON, ou /rooms.");
    assert.equal(t("chat.whichRoom"), "Quel salon ? /who SALON");
  });
});

/** A chat view as far as `syncUnread` uses it, its info lines kept in `lines`. */
/**
 * A view whose server counts one unread room and eleven dm conversations: the first ten are
 * shown (`shown` gets them), the eleventh, bob's, is listed.
 */
function _unreadView(lines: string[], shown: string[] = []): ChatView {
  const others = Array.from({ length: 10 }, (_, i) => ({ with: `p${i}`, unread: 1 }));
  return {
    client: {
      online: true,
      supports: () => true,
      request: () =>
        Promise.resolve({
          ok: true,
          frame: {
            rooms: [{ room: "dev", unread: 1 }],
            dms: [...others, { with: "bob", unread: 2, last_read: null }],
          },
        }),
      showUnreadDms: (conversations: { with: string }[]) => {
        shown.push(...conversations.map((c) => c.with));
        return Promise.resolve();
      },
    },
    applyUnread: (counts: { room: string; unread: number }[]) =>
      counts.map((c) => `${c.room} ${c.unread}`),
    info: (text: string) => lines.push(text),
  } as unknown as ChatView;
}

Deno.test("sentences: unread elsewhere names direct messages mp in French, dm in English", async () => {
  const english: string[] = [];
  const shown: string[] = [];
  await syncUnread(_unreadView(english, shown));
  assert.deepEqual(english, ["Unread elsewhere: dev 1, dm bob 2 (/join ROOM, /msg USER)."]);
  assert.deepEqual(shown, Array.from({ length: 10 }, (_, i) => `p${i}`), "the first ten shown");
  useClientLanguage(matchLanguage("fr")!);
  try {
    const french: string[] = [];
    await syncUnread(_unreadView(french));
    assert.deepEqual(french, ["Non lus ailleurs : dev 1, mp bob 2 (/join SALON, /msg PSEUDO)."]);
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
});

Deno.test("sentences: French agrees with counts (0 and 1 singular) and spaces its colons", () => {
  const plain = new Style(false);
  const now = new Date(2026, 0, 2, 9, 5);
  const batch = (joined: string[], left: string[]) =>
    formatPresenceBatch({ room: "big", joined, left, members: 40 }, 0, now, plain);
  assert.equal(batch(["a", "b"], ["c"]), "09:05 ⇄ big: 2 joined, 1 left, 40 online");
  inFrench(() => {
    assert.equal(batch(["a"], []), "09:05 ⇄ big : 1 arrivé, 0 parti, 40 en ligne");
    assert.equal(batch(["a", "b"], ["c", "d"]), "09:05 ⇄ big : 2 arrivés, 2 partis, 40 en ligne");
    assert.equal(
      t("action.fewToReport", { room: "dev", count: 1 }),
      "dev n'affiche qu'un message : /report seul le montre avec son N.",
    );
    assert.equal(
      t("action.fewToReport", { room: "dev", count: 3 }),
      "dev n'affiche que 3 messages : /report seul les liste avec leur N.",
    );
    assert.equal(
      shutdownSentence("Maintenance", 90),
      "Attention, le serveur s'arrête dans 1 minute 30 secondes : Maintenance. Le client se reconnectera à son retour.",
    );
  });
});
