/**
 * The connection sentences of the client (connect errors, a refused re-login, a lost
 * connection) in English and in French, from the real modules.
 */
import assert from "node:assert/strict";
import { ConnectionLostError } from "../../lib/client/connection.ts";
import { useClientLanguage } from "../../lib/client/i18n.ts";
import { reloginRefusal } from "../../lib/client/reconnect.ts";
import { describeConnectError, type Endpoint } from "../../lib/client/transport.ts";
import { matchLanguage, NEUTRAL_CHOICE } from "../../lib/i18n/languages.ts";

const PLAIN: Endpoint = { host: "chat.example", port: 9000, tls: false };

/** Runs `body` in French, English again afterwards. */
function inFrench(body: () => void): void {
  useClientLanguage(matchLanguage("fr")!);
  try {
    body();
  } finally {
    useClientLanguage(NEUTRAL_CHOICE);
  }
}

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
