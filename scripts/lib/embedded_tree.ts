/**
 * Reads the "Embedded Files" tree that `deno compile` prints, e.g.
 *
 * ```text
 * fastchat-server
 * ├─┬ .deno_compile_node_modules (7.37MB - 7.3MB unique)
 * │ └─┬ localhost (7.37MB - 7.3MB unique)
 * │   └── zod/4.6.7/* (5.93MB)
 * ├── server.ts (2KB)
 * └── sql/sqlite/* (1.69KB)
 * ```
 *
 * `dir/*` stands for everything below `dir`; a chain of single folders is joined with `/`.
 */

/** One line of the tree, with its path from the tree's root. */
export interface EmbeddedEntry {
  /** Path from the root, `/`-separated, without a trailing `/*`. */
  path: string;
  /** `file`: one file; `tree`: everything below `path`; `dir`: a folder whose children follow. */
  kind: "file" | "tree" | "dir";
}

const SIZE = / \([\d.]+[KMGT]?B(?: - [\d.]+[KMGT]?B unique)?\)$/;
const CONNECTOR = /^((?:[│ ] )*)([├└])─([┬─]) (.+)$/;

/**
 * Parses the output of `deno compile` (colors off) into the embedded entries.
 *
 * @throws {SyntaxError} when the output holds no "Embedded Files" tree.
 */
export function parseEmbeddedTree(output: string): EmbeddedEntry[] {
  const lines = output.split(/\r?\n/);
  const start = lines.findIndex((line) => line.trim() === "Embedded Files");
  if (start < 0) {
    throw new SyntaxError('Cannot read deno compile output: no "Embedded Files" tree');
  }
  const entries: EmbeddedEntry[] = [];
  const parents: string[] = [];
  // The line after the heading (and a blank line) names the binary; entries follow it.
  for (const line of lines.slice(start + 1)) {
    const match = CONNECTOR.exec(line);
    if (match === null) {
      if (entries.length > 0 && line.trim() === "") break;
      continue;
    }
    const depth = (match[1] ?? "").length / 2;
    const name = (match[4] ?? "").replace(SIZE, "");
    const path = [...parents.slice(0, depth), name].join("/");
    parents.length = depth;
    if (match[3] === "┬") {
      parents.push(name);
      entries.push({ path, kind: "dir" });
    } else if (path.endsWith("/*")) {
      entries.push({ path: path.slice(0, -2), kind: "tree" });
    } else {
      entries.push({ path, kind: "file" });
    }
  }
  if (entries.length === 0) {
    throw new SyntaxError('Cannot read deno compile output: the "Embedded Files" tree is empty');
  }
  return entries;
}

/** Tells whether the file at `path` (from the tree's root, `/`-separated) is embedded. */
export function isEmbedded(entries: readonly EmbeddedEntry[], path: string): boolean {
  return entries.some((entry) =>
    entry.kind === "file" ? entry.path === path : entry.kind === "tree" &&
      path.startsWith(`${entry.path}/`)
  );
}

/** Tells whether anything embedded has a path segment starting with `name` (a package name). */
export function embedsPackage(entries: readonly EmbeddedEntry[], name: string): boolean {
  return entries.some((entry) => entry.path.split("/").some((part) => part.startsWith(name)));
}
