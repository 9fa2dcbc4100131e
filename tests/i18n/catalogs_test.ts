/**
 * Every catalog under `lib/i18n/catalogs/` (`<part>.<language>.ts`, the admin page's
 * included once it exists): each language of a part has exactly the keys of the others,
 * each message parses as ICU MessageFormat, and each key has the same placeholders (and
 * plural arguments) in every language.
 */
import assert from "node:assert/strict";
import { parse } from "@formatjs/icu-messageformat-parser";
import { LANGUAGES } from "../../lib/i18n/languages.ts";

const DIR = new URL("../../lib/i18n/catalogs/", import.meta.url);

/** The catalogs on disk, by part then language: whatever module each file exports. */
async function _catalogs(): Promise<Map<string, Map<string, Record<string, string>>>> {
  const parts = new Map<string, Map<string, Record<string, string>>>();
  for await (const entry of Deno.readDir(DIR)) {
    const match = /^([a-z_]+)\.([a-z]{2})\.ts$/.exec(entry.name);
    if (!match) continue;
    const module = await import(new URL(entry.name, DIR).href);
    const catalogs = Object.values(module).filter((v) => typeof v === "object" && v !== null);
    assert.equal(catalogs.length, 1, `${entry.name} exports one catalog object`);
    const part = parts.get(match[1]!) ?? new Map();
    part.set(match[2]!, catalogs[0] as Record<string, string>);
    parts.set(match[1]!, part);
  }
  return parts;
}

type Node = { type: number; value?: string; options?: Record<string, { value: Node[] }> };

/** The placeholders of an ICU message: `name` for `{name}`, `name:plural` for a plural. */
export function placeholders(message: string): string[] {
  const found = new Set<string>();
  const walk = (nodes: Node[]) => {
    for (const node of nodes) {
      // 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural (icu-messageformat-parser TYPE).
      if (node.type >= 1 && node.type <= 6 && node.value !== undefined) {
        found.add(node.type === 6 ? `${node.value}:plural` : node.value);
      }
      for (const option of Object.values(node.options ?? {})) walk(option.value);
    }
  };
  walk(parse(message) as Node[]);
  return [...found].sort();
}

const catalogs = await _catalogs();

Deno.test("catalogs: client and server exist in every language", () => {
  for (const part of ["client", "server"]) {
    assert.deepEqual([...(catalogs.get(part)?.keys() ?? [])].sort(), [...LANGUAGES].sort());
  }
});

for (const [part, languages] of catalogs) {
  Deno.test(`catalogs: ${part}: every language has the same keys`, () => {
    const reference = Object.keys(languages.get("en") ?? {}).sort();
    assert.ok(reference.length > 0, `${part}.en.ts has keys`);
    for (const language of LANGUAGES) {
      const keys = Object.keys(languages.get(language) ?? {}).sort();
      assert.deepEqual(keys, reference, `${part}.${language}.ts has the keys of ${part}.en.ts`);
    }
  });

  Deno.test(`catalogs: ${part}: messages parse and keep their placeholders`, () => {
    const reference = languages.get("en")!;
    for (const [language, catalog] of languages) {
      for (const [key, message] of Object.entries(catalog)) {
        assert.equal(typeof message, "string", `${part}.${language} ${key}`);
        assert.ok(message.trim() !== "", `${part}.${language} ${key} is not empty`);
        assert.deepEqual(
          placeholders(message),
          placeholders(reference[key] ?? ""),
          `${part}.${language} ${key} has the placeholders of English`,
        );
      }
    }
  });
}

Deno.test("catalogs: bad input: the checks catch a missing key and a renamed placeholder", () => {
  assert.notDeepEqual(placeholders("Hello {user}"), placeholders("Bonjour {name}"));
  assert.notDeepEqual(
    placeholders("{n, plural, one {# x} other {# xs}}"),
    placeholders("{n} x"),
  );
  assert.deepEqual(placeholders("{count, plural, one {# a {room}} other {# b {room}}}"), [
    "count:plural",
    "room",
  ]);
  assert.throws(() => parse("Unclosed {brace"));
});
