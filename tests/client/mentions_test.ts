/** Mentions: the own name as a whole word, in any case, never from oneself. */
import assert from "node:assert/strict";
import { mentions } from "../../lib/client/ui/mentions.ts";

Deno.test("mentions: whole words, any case, Unicode folding; not from oneself, not inside a name", () => {
  const from = (user: string, text: string) => ({ user, text });
  assert.ok(mentions(from("bob", "hi alice"), "alice"));
  assert.ok(mentions(from("bob", "ALICE: look"), "alice"));
  assert.ok(mentions(from("bob", "thanks alice."), "alice"));
  assert.ok(mentions(from("bob", "@Élodie ?"), "ÉLODIE"));
  assert.ok(!mentions(from("bob", "alicex and xalice"), "alice"));
  assert.ok(!mentions(from("bob", "alice.b is here"), "alice"));
  assert.ok(!mentions(from("Alice", "alice talks to herself"), "alice"));
  assert.ok(!mentions(from("bob", "anything"), null));
});
