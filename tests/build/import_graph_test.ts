/**
 * The layers of `lib/` (docs/architecture.md): a module imports only from its own layer or
 * lower ones, the admin side only the server's API-types module (the page also the i18n
 * core), the client only common, i18n and protocol code, and no import cycle anywhere. Read
 * from the source's relative imports (type imports included: a cycle of types is still a
 * knot for the reader).
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** Layers, lowest first: a path prefix under the root and its rank. */
const LAYERS: [prefix: string, rank: number][] = [
  ["lib/common/", 1],
  // Translation core and catalogs: npm packages and lib/common only.
  ["lib/i18n/", 2],
  ["lib/protocol/", 3],
  ["lib/store/", 4],
  ["lib/auth/", 5],
  // The admin-facing API types of the server: types only, importable by the admin side.
  ["lib/server/control.ts", 6],
  ["lib/server/limits/", 7],
  ["lib/server/net/", 8],
  ["lib/server/chat/", 9],
  ["lib/server/moderation/", 10],
  ["lib/server/requests/", 11],
  ["lib/server/", 12],
  // Cluster mode (NATS JetStream): loaded by lib/app only with --cluster.
  ["lib/cluster/", 13],
  ["lib/admin/", 14],
  ["lib/app/", 15],
];

/** The client is beside the server, not above it: it may use only these. */
const CLIENT_MAY_IMPORT = ["lib/common/", "lib/i18n/", "lib/protocol/", "lib/client/"];

/** What the admin page (a browser bundle) may import from lib/: API types and the i18n core. */
const PAGE_MAY_IMPORT = ["lib/admin/api_types.ts", "lib/i18n/"];

/** What the admin side may import from lib/server. */
const ADMIN_MAY_IMPORT_FROM_SERVER = ["lib/server/control.ts"];

function _rank(path: string): number | null {
  for (const [prefix, rank] of LAYERS) if (path.startsWith(prefix)) return rank;
  return null;
}

async function* _sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* _sources(path);
    else if (/\.tsx?$/.test(entry.name)) yield path;
  }
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*["'](\.[^"']+)["']|import\s*\(\s*["'](\.[^"']+)["']\s*\)/g;

/** Every relative import of every module under `dirs`, as root-relative paths. */
async function _graph(dirs: string[]): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const dir of dirs) {
    for await (const file of _sources(dir)) {
      const text = await Deno.readTextFile(join(ROOT, file));
      const targets: string[] = [];
      for (const match of text.matchAll(IMPORT)) {
        const spec = match[1] ?? match[2]!;
        targets.push(relative(ROOT, resolve(ROOT, dirname(file), spec)));
      }
      graph.set(file, targets);
    }
  }
  return graph;
}

/** The cycles of `graph` (strongly connected components with more than one module, or a self-import). */
function _cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexes = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    indexes.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indexes.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexes.get(next)!));
      }
    }
    if (low.get(node) === indexes.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component);
    }
  };
  for (const node of graph.keys()) if (!indexes.has(node)) visit(node);
  return cycles;
}

const graph = await _graph(["lib", "admin_ui/src"]);

Deno.test("import graph: no import cycle in lib/ or admin_ui/", () => {
  assert.deepEqual(_cycles(graph), []);
});

Deno.test("import graph: no upward import between the layers of lib/", () => {
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const from = _rank(file);
    if (from === null) continue;
    for (const target of targets) {
      const to = _rank(target);
      if (to !== null && to > from) upward.push(`${file} -> ${target}`);
    }
  }
  assert.deepEqual(upward, []);
});

Deno.test("import graph: lib/ never imports tests, scripts, bench or admin_ui", () => {
  const outside: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith("lib/")) continue;
    for (const target of targets) {
      if (!target.startsWith("lib/") && !target.endsWith(".sql") && target !== "deno.json") {
        outside.push(`${file} -> ${target}`);
      }
    }
  }
  assert.deepEqual(outside, []);
});

Deno.test("import graph: lib/i18n imports only lib/common and itself", () => {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith("lib/i18n/")) continue;
    for (const target of targets) {
      if (!target.startsWith("lib/common/") && !target.startsWith("lib/i18n/")) {
        bad.push(`${file} -> ${target}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("import graph: the client imports only common, i18n, protocol and client code", () => {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith("lib/client/")) continue;
    for (const target of targets) {
      if (!CLIENT_MAY_IMPORT.some((prefix) => target.startsWith(prefix))) {
        bad.push(`${file} -> ${target}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("import graph: the admin side and page import only the server's API types", () => {
  const bad: string[] = [];
  for (const [file, targets] of graph) {
    if (!file.startsWith("lib/admin/") && !file.startsWith("admin_ui/")) continue;
    for (const target of targets) {
      const fromServer = target.startsWith("lib/server/");
      if (fromServer && !ADMIN_MAY_IMPORT_FROM_SERVER.includes(target)) {
        bad.push(`${file} -> ${target}`);
      }
      // The page is a browser bundle: only types of the admin API, never server code.
      if (file.startsWith("admin_ui/") && target.startsWith("lib/") && !fromServer) {
        if (!PAGE_MAY_IMPORT.some((prefix) => target.startsWith(prefix))) {
          bad.push(`${file} -> ${target}`);
        }
      }
    }
  }
  assert.deepEqual(bad, []);
});

Deno.test("import graph: bad input: the checker finds a planted cycle and an upward import", () => {
  const planted = new Map<string, string[]>([
    ["lib/common/a.ts", ["lib/server/chat/b.ts"]],
    ["lib/server/chat/b.ts", ["lib/common/a.ts"]],
  ]);
  assert.equal(_cycles(planted).length, 1);
  assert.ok(_rank("lib/server/chat/b.ts")! > _rank("lib/common/a.ts")!);
});
