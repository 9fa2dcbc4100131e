import assert from "node:assert/strict";
import { embedsPackage, isEmbedded, parseEmbeddedTree } from "../../scripts/lib/embedded_tree.ts";

const OUTPUT = `Check server.ts
Compile server.ts to dist/fastchat-server

Embedded Files

fastchat-server
├─┬ .deno_compile_node_modules (7.37MB - 7.3MB unique)
│ └─┬ localhost (7.37MB - 7.3MB unique)
│   ├─┬ @node-rs (1.44MB)
│   │ └── argon2-linux-x64-gnu/* (719.41KB)
│   └── zod/4.6.7/* (5.93MB - 5.86MB unique)
├─┬ admin_ui (10KB)
│ └── dist/app.js (10KB)
├── server.ts (8.16KB)
└── sql/sqlite/* (1.69KB)

Files: 7.63MB
Metadata: 2.91KB
`;

Deno.test("parseEmbeddedTree rebuilds full paths from nesting and joined folder chains", () => {
  const entries = parseEmbeddedTree(OUTPUT);
  assert.deepEqual(entries, [
    { path: ".deno_compile_node_modules", kind: "dir" },
    { path: ".deno_compile_node_modules/localhost", kind: "dir" },
    { path: ".deno_compile_node_modules/localhost/@node-rs", kind: "dir" },
    { path: ".deno_compile_node_modules/localhost/@node-rs/argon2-linux-x64-gnu", kind: "tree" },
    { path: ".deno_compile_node_modules/localhost/zod/4.6.7", kind: "tree" },
    { path: "admin_ui", kind: "dir" },
    { path: "admin_ui/dist/app.js", kind: "file" },
    { path: "server.ts", kind: "file" },
    { path: "sql/sqlite", kind: "tree" },
  ]);
});

Deno.test("isEmbedded matches files exactly and everything below a collapsed folder", () => {
  const entries = parseEmbeddedTree(OUTPUT);
  assert.ok(isEmbedded(entries, "admin_ui/dist/app.js"));
  assert.ok(isEmbedded(entries, "sql/sqlite/001_init.sql"));
  assert.ok(isEmbedded(entries, "sql/sqlite/deeper/002.sql"));
  assert.ok(!isEmbedded(entries, "admin_ui/dist/other.js"), "a sibling of a listed file");
  assert.ok(!isEmbedded(entries, "sql/sqlite"), "a folder is not a file");
  assert.ok(!isEmbedded(entries, "sql/mysql/001_init.sql"));
});

Deno.test("embedsPackage finds a package by any path segment prefix", () => {
  const entries = parseEmbeddedTree(OUTPUT);
  assert.ok(embedsPackage(entries, "zod"));
  assert.ok(embedsPackage(entries, "argon2"));
  assert.ok(!embedsPackage(entries, "playwright"));
});

Deno.test("parseEmbeddedTree rejects bad input: output without an Embedded Files tree", () => {
  assert.throws(() => parseEmbeddedTree("error: Module not found"), /no "Embedded Files" tree/);
  assert.throws(() => parseEmbeddedTree("Embedded Files\n\nbin\n\nFiles: 0B"), /tree is empty/);
});
