/**
 * No user-facing text outside a catalog: scans the UI sources for string literals that read
 * like prose (two words or more) and fails on any that is not allowed below. The admin
 * page's `class` lists (words that are all classes of `admin_ui/style.css`) are not prose.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The folders (and files) whose literals are checked. */
const SCANNED = ["lib/client", "client.ts", "admin_ui/src"];

/**
 * Literals that are not user-facing prose: protocol words, key names, escape sequences,
 * programmer-facing errors (`RangeError` for a misuse), command usages (the slash command
 * names are the same in every language).
 */
const ALLOWED: RegExp[] = [
  /^\/[a-z]+( |$)/, // a command usage: "/join ROOM", "/search words [in:ROOM] [from:USER]"
  /^Cannot show a menu: it has no items$/, // RangeError for a programming mistake
  /^(ConnectError|ConnectionLostError)$/,
  /^fastchat-client /, // the program's name and version
  /^none was active$/, // an audit note as the API writes it, matched to be translated
];

/**
 * Files whose texts are not in the catalog yet (see the issue 18 report): listed here so
 * that every other file is checked now; remove an entry once its file is translated.
 */
const PENDING = new Set<string>([]);

/** The admin page's CSS class names (from its style sheet, and the script's own hooks). */
const CSS_CLASSES = new Set([
  ...(await Deno.readTextFile(join(ROOT, "admin_ui/style.css"))).match(/\.[a-z][\w-]*/g)
    ?.map((name) => name.slice(1)) ?? [],
  "cancel", // `button.cancel` takes the focus when the confirmation dialog opens
  "filters",
]);

/**
 * Whether a literal of the admin page is a `class` list (`"row compact"`, `` `live live-${x}` ``):
 * every word a class of its style sheet, or the start of one.
 */
export function isClassList(text: string): boolean {
  return text.split(/\s+/).every((word) =>
    CSS_CLASSES.has(word) ||
    (word.endsWith("-") && [...CSS_CLASSES].some((name) => name.startsWith(word)))
  );
}

async function* _files(path: string): AsyncGenerator<string> {
  const info = await Deno.stat(join(ROOT, path));
  if (info.isFile) {
    yield path;
    return;
  }
  for await (const entry of Deno.readDir(join(ROOT, path))) {
    const child = `${path}/${entry.name}`;
    if (entry.isDirectory) yield* _files(child);
    else if (/\.tsx?$/.test(entry.name)) yield child;
  }
}

/** Source without comments (line and block), so doc comments are not scanned. */
function _code(source: string): string {
  return source
    .replace(/\/\*[^]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** String literals that read like prose: two words of letters, `${…}` parts removed. */
export function proseLiterals(source: string): string[] {
  const found: string[] = [];
  const literal = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`/g;
  for (const line of _code(source).split("\n")) {
    if (/^\s*(import|export \* from|export \{)/.test(line)) continue;
    for (const match of line.matchAll(literal)) {
      const raw = match[1] ?? match[2] ?? match[3] ?? "";
      const text = raw.replace(/\$\{[^}]*\}/g, " ");
      // Two words, or a word beside a value in a template (`Joined ${room}`).
      const prose = /\p{L}{2,}[,:;.!?'’-]*\s+\p{L}{2,}/u.test(text) ||
        (match[3] !== undefined && raw.includes("${") && /(^|\s)\p{L}{3,}(\s|$)/u.test(text));
      if (!prose) continue;
      if (ALLOWED.some((allowed) => allowed.test(text.trim()))) continue;
      found.push(text.trim());
    }
  }
  return found;
}

/**
 * Text written straight into JSX (`<p>Nobody is connected.</p>`): two words between a tag's
 * `>` and the next `<` or `{`, string literals and comments removed first.
 */
export function jsxTexts(source: string): string[] {
  const code = _code(source).replace(
    /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g,
    '""',
  );
  const found: string[] = [];
  for (const match of code.matchAll(/>([^<>{}()=;]*)(?=[<{])/g)) {
    const text = match[1]!.replace(/\s+/g, " ").trim();
    if (/\p{L}{2,}[,:;.!?'’-]*\s+\p{L}{2,}/u.test(text)) found.push(text);
  }
  return found;
}

Deno.test("ui strings: every user-facing text of the client and admin page is in a catalog", async () => {
  const bad: string[] = [];
  for (const root of SCANNED) {
    for await (const file of _files(root)) {
      if (PENDING.has(file)) continue;
      const source = await Deno.readTextFile(join(ROOT, file));
      const texts = file.endsWith(".tsx")
        ? [...proseLiterals(source), ...jsxTexts(source)]
        : proseLiterals(source);
      for (const text of texts) {
        if (file.startsWith("admin_ui/") && isClassList(text)) continue;
        bad.push(`${file}: ${JSON.stringify(text)}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("ui strings: bad input: the scanner finds a planted sentence, not keys or comments", () => {
  const planted = [
    `view.info("Welcome back, friend.");`,
    "view.error(`You are not in ${room} any more.`);",
    `view.info(t("chat.welcome")); // a comment with words in it`,
    `/** A doc comment with words. */`,
    `const usage = "/join ROOM";`,
    "view.info(`Joined ${room}`);",
  ].join("\n");
  assert.deepEqual(proseLiterals(planted), [
    "Welcome back, friend.",
    "You are not in   any more.",
    "Joined",
  ]);
});

Deno.test("ui strings: bad input: a sentence is not a class list; class lists are", () => {
  assert.ok(isClassList("row compact"));
  assert.ok(isClassList("live live-"));
  assert.ok(!isClassList("Nobody is connected."));
  assert.ok(!isClassList("row is compact"));
});

Deno.test("ui strings: bad input: prose written straight into JSX is found", () => {
  const planted = [
    `<p class="empty">Nobody is connected.</p>`,
    `<strong>`,
    `  Retrying every few`,
    `  seconds…`,
    `</strong>`,
    `<p>{t("users.empty")}</p>`,
    `const ok = a > b && c < d;`,
  ].join("\n");
  assert.deepEqual(jsxTexts(planted), ["Nobody is connected.", "Retrying every few seconds…"]);
});
