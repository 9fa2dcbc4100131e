/**
 * The audit log in words (`admin_ui/src/audit_text.ts`): the API's action names and JSON
 * details (English, for scripts) read as sentences of the page's language; what the page
 * does not know stays as the API wrote it.
 */
import assert from "node:assert/strict";
import { auditAction, auditDetail, auditTarget } from "../../admin_ui/src/audit_text.ts";
import { language } from "../../admin_ui/src/i18n.ts";

const NOW = Date.parse("2030-01-01T12:00:00Z");

function inLanguage(lang: "en" | "fr", fn: () => void): void {
  const before = language.value;
  language.value = lang;
  try {
    fn();
  } finally {
    language.value = before;
  }
}

Deno.test("audit: action names in French, an unknown one as the API wrote it", () => {
  inLanguage("fr", () => {
    assert.equal(auditAction("mute"), "Mise en sourdine");
    assert.equal(auditAction("unmute"), "Sourdine levée");
    assert.equal(auditAction("staff_grant"), "Rôle donné");
    assert.equal(auditAction("report_delete"), "Message signalé supprimé");
    assert.equal(auditAction("some_new_action"), "some_new_action");
  });
  inLanguage("en", () => assert.equal(auditAction("unban"), "Ban lifted"));
});

Deno.test("audit: details in French words, no English key left", () => {
  inLanguage("fr", () => {
    const mute = auditDetail(
      JSON.stringify({ until: "2030-01-01T12:10:00Z", reason: "Insultes" }),
      NOW,
    );
    assert.match(mute, /^jusqu'à .+ · motif : Insultes$/);
    assert.equal(auditDetail(JSON.stringify({ seconds: 30 }), NOW), "30 secondes");
    assert.equal(auditDetail(JSON.stringify({ seconds: 0 }), NOW), "désactivé");
    assert.equal(
      auditDetail(JSON.stringify({ role: "moderator", previous: null }), NOW),
      "rôle : modérateur",
    );
    assert.equal(
      auditDetail(JSON.stringify({ msgid: "0000000000000003", removed: "missing" }), NOW),
      "message 0000000000000003 · message déjà supprimé",
    );
    assert.equal(
      auditDetail(
        JSON.stringify({ msgid: "0000000000000003", removed: "deleted", along: 7 }),
        NOW,
      ),
      "message 0000000000000003 · message supprimé · clos avec le signalement n° 7",
    );
    assert.equal(
      auditDetail(JSON.stringify({ room: "general", user: "kevin" }), NOW),
      "dans #general · auteur : kevin",
    );
    assert.equal(
      auditDetail(JSON.stringify({ id: 1, until: null, reason: "Flood", closed: 2 }), NOW),
      "n° 1 · motif : Flood · 2 connexions fermées",
    );
    assert.equal(
      auditDetail(JSON.stringify({ note: "none was active" }), NOW),
      "aucune n'était en cours",
    );
    // Unknown keys and non-JSON details are shown as written.
    assert.equal(auditDetail(JSON.stringify({ colour: "red" }), NOW), "colour red");
    assert.equal(auditDetail("plain text", NOW), "plain text");
  });
});

Deno.test("audit: a report's target reads as a report, other targets as they are", () => {
  inLanguage("fr", () => {
    assert.equal(auditTarget({ action: "report_dismiss", target: "4" }), "signalement n° 4");
    assert.equal(auditTarget({ action: "mute", target: "kevin" }), "kevin");
    assert.equal(auditTarget({ action: "login", target: null }), null);
  });
});
