import assert from "node:assert/strict";
import { SseText } from "../support/sse_text.ts";
import { errorOf, type Harness, harness, ORIGIN } from "./harness.ts";
import { roomMessage } from "./memory_control.ts";

async function loggedIn(): Promise<Harness & { cookie: string }> {
  const h = await harness();
  return { ...h, cookie: await h.login() };
}

Deno.test("kick and mute with bad bodies answer 400 naming the problem: missing user, bad duration, wrong types", async () => {
  const h = await loggedIn();
  for (const path of ["/api/kick", "/api/mute"]) {
    const cases: [unknown, RegExp][] = [
      [{ duration: "5m" }, /"user" is missing/],
      [{ user: "", duration: "5m" }, /"user" must not be empty/],
      [{ user: "alice" }, /"duration" is missing/],
      [{ user: "alice", duration: "5x" }, /Cannot parse duration "5x"/],
      [{ user: "alice", duration: "0s" }, /longer than zero/],
      [{ user: "alice", duration: 30 }, /"duration" must be a string/],
      [{ user: "alice", duration: "5m", reason: 7 }, /"reason" must be a string/],
      ["just a string", /JSON object/],
    ];
    for (const [body, message] of cases) {
      const res = await h.call("POST", path, { body, cookie: h.cookie });
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
      const error = await errorOf(res);
      assert.equal(error.code, "bad_request");
      assert.match(error.message, message);
    }
  }
  assert.deepEqual(h.control.sanctionList, []);
});

Deno.test("ban, rooms, topic and shutdown with bad bodies answer 400: wrong types, out-of-range delay, invalid JSON", async () => {
  const h = await loggedIn();
  const cases: [string, string, unknown, RegExp][] = [
    ["POST", "/api/ban", {}, /"user" is missing/],
    ["POST", "/api/ban", { user: ["alice"] }, /"user" must be a string/],
    ["POST", "/api/rooms", { topic: "x" }, /"name" is missing/],
    ["PUT", "/api/rooms/general/topic", { topic: 5 }, /"topic" must be a string/],
    ["POST", "/api/shutdown", { delay: -1 }, /"delay" must be 0 or more/],
    ["POST", "/api/shutdown", { delay: 2.5 }, /"delay" must be a whole number/],
    ["POST", "/api/shutdown", { delay: "10" }, /"delay" must be a number/],
    ["POST", "/api/shutdown", { message: 1 }, /"message" must be a string/],
  ];
  for (const [method, path, body, message] of cases) {
    const res = await h.call(method, path, { body, cookie: h.cookie });
    assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}`);
    assert.match((await errorOf(res)).message, message);
  }
  const broken = await h.call("POST", "/api/ban", { raw: '{"user":', cookie: h.cookie });
  assert.equal(broken.status, 400);
  assert.match((await errorOf(broken)).message, /Cannot parse body/);
  assert.deepEqual(h.control.shutdownCalls, []);
});

Deno.test("query strings with bad limits answer 400: zero, too large, not a number", async () => {
  const h = await loggedIn();
  for (const path of ["/api/messages?limit=0", "/api/messages?limit=999", "/api/audit?limit=abc"]) {
    const res = await h.call("GET", path, { cookie: h.cookie });
    assert.equal(res.status, 400, path);
    assert.match((await errorOf(res)).message, /Cannot read query: field "limit"/);
  }
});

Deno.test("kick, mute and ban reach the server and show in moderation; lift removes them", async () => {
  const h = await loggedIn();
  const kick = await h.call("POST", "/api/kick", {
    body: { user: "ALICE", duration: "90s", reason: "spam" },
    cookie: h.cookie,
    origin: ORIGIN,
  });
  assert.equal(kick.status, 200);
  assert.deepEqual(await kick.json(), { user: "alice", until: "2030-01-01T00:01:30.000Z" });
  const mute = await h.call("POST", "/api/mute", {
    body: { user: "bob", duration: "2h" },
    cookie: h.cookie,
  });
  assert.equal((await mute.json()).until, "2030-01-01T02:00:00.000Z");
  const ban = await h.call("POST", "/api/ban", {
    body: { user: "bob", reason: "abuse" },
    cookie: h.cookie,
  });
  assert.equal(ban.status, 200);
  assert.deepEqual(await ban.json(), { user: "bob" });

  const list = await (await h.call("GET", "/api/moderation", { cookie: h.cookie })).json();
  assert.deepEqual(list.kicks, [{
    user: "alice",
    until: "2030-01-01T00:01:30.000Z",
    reason: "spam",
    by: "admin",
    at: "2030-01-01T00:00:00.000Z",
  }]);
  assert.equal(list.mutes[0].user, "bob");
  assert.equal(list.bans[0].until, undefined);
  assert.equal(list.bans[0].reason, "abuse");

  for (const kind of ["kicks", "mutes", "bans"]) {
    const user = kind === "kicks" ? "alice" : "bob";
    const res = await h.call("DELETE", `/api/${kind}/${user}`, { cookie: h.cookie });
    assert.equal(res.status, 204, kind);
  }
  assert.deepEqual(h.control.sanctionList, []);
  const audit = await (await h.call("GET", "/api/audit", { cookie: h.cookie })).json();
  assert.deepEqual(
    audit.entries.map((e: { action: string }) => e.action),
    ["unban", "unmute", "unkick", "ban", "mute", "kick", "login"],
  );
  assert.equal(audit.entries[0].address, "127.0.0.1:50000");
});

Deno.test("actions on an unknown user answer 404 no_such_user", async () => {
  const h = await loggedIn();
  for (
    const [method, path, body] of [
      ["POST", "/api/kick", { user: "nobody", duration: "5m" }],
      ["POST", "/api/ban", { user: "nobody" }],
      ["DELETE", "/api/bans/nobody", undefined],
    ] as const
  ) {
    const res = await h.call(method, path, { body, cookie: h.cookie });
    assert.equal(res.status, 404, path);
    assert.equal((await errorOf(res)).code, "no_such_user");
  }
});

Deno.test("rooms: create (201), clash (409), set topic, delete, unknown room (404)", async () => {
  const h = await loggedIn();
  const created = await h.call("POST", "/api/rooms", {
    body: { name: "Général", topic: "hi" },
    cookie: h.cookie,
  });
  assert.equal(created.status, 201);
  assert.deepEqual((await created.json()).room, {
    name: "Général",
    topic: "hi",
    members: [],
    online: 0,
    slowmode: 0,
  });
  const clash = await h.call("POST", "/api/rooms", { body: { name: "général" }, cookie: h.cookie });
  assert.equal(clash.status, 409);
  assert.equal((await errorOf(clash)).code, "room_exists");
  const topic = await h.call("PUT", `/api/rooms/${encodeURIComponent("Général")}/topic`, {
    body: { topic: "" },
    cookie: h.cookie,
  });
  assert.equal((await topic.json()).room.topic, null, "an empty topic clears it");
  const del = await h.call("DELETE", `/api/rooms/${encodeURIComponent("Général")}`, {
    cookie: h.cookie,
  });
  assert.equal(del.status, 204);
  const missing = await h.call("DELETE", "/api/rooms/nope", { cookie: h.cookie });
  assert.equal(missing.status, 404);
  assert.equal((await errorOf(missing)).code, "no_such_room");
  const rooms = await (await h.call("GET", "/api/rooms", { cookie: h.cookie })).json();
  assert.deepEqual(rooms.rooms.map((r: { name: string }) => r.name), ["general"]);
});

Deno.test("shutdown answers 202 with the default 10 s delay and message", async () => {
  const h = await loggedIn();
  const res = await h.call("POST", "/api/shutdown", { cookie: h.cookie, origin: ORIGIN });
  assert.equal(res.status, 202);
  assert.deepEqual(await res.json(), {
    message: "The server is shutting down.",
    in: 10,
    at: "2030-01-01T00:00:10.000Z",
    scope: "instance",
  });
  assert.equal(h.control.shutdownCalls[0]?.delaySeconds, 10);
  assert.equal(h.control.shutdownCalls[0]?.actor.by, "admin");
  assert.equal(h.control.shutdownCalls[0]?.scope, "instance");
});

Deno.test('shutdown: scope cluster is passed on; bad input scope "everything" or 1 is 400', async () => {
  const h = await loggedIn();
  const cluster = await h.call("POST", "/api/shutdown", {
    cookie: h.cookie,
    origin: ORIGIN,
    body: { scope: "cluster", delay: 0 },
  });
  assert.equal(cluster.status, 202);
  assert.equal((await cluster.json()).scope, "cluster");
  assert.equal(h.control.shutdownCalls[0]?.scope, "cluster");
  for (const scope of ["everything", 1]) {
    const bad = await h.call("POST", "/api/shutdown", {
      cookie: h.cookie,
      origin: ORIGIN,
      body: { scope },
    });
    assert.equal(bad.status, 400, String(scope));
    assert.match(JSON.stringify(await bad.json()), /scope/);
  }
  assert.equal(h.control.shutdownCalls.length, 1, "a refused shutdown stops nothing");
});

Deno.test("users, messages and stats are listed; messages filter by room and user", async () => {
  const h = await loggedIn();
  h.control.connected = [{
    user: "zoe",
    sessions: [{
      id: 1,
      instance: "memory:1",
      address: "127.0.0.1:4000",
      rooms: ["general"],
      since: "2030-01-01T00:00:00.000Z",
      idle: 3,
      messagesSent: 2,
    }],
  }];
  h.control.messages = [
    roomMessage(2, "<b>hi</b>"),
    {
      seq: 1,
      roomId: null,
      room: null,
      senderId: 2,
      user: "bob",
      recipientId: 1,
      to: "zoe",
      text: "dm",
      ts: 0,
    },
  ];
  const users = await (await h.call("GET", "/api/users", { cookie: h.cookie })).json();
  assert.equal(users.users[0].sessions[0].address, "127.0.0.1:4000");
  assert.deepEqual(users.users[0].sessions[0].rooms, ["general"]);
  const all = await (await h.call("GET", "/api/messages", { cookie: h.cookie })).json();
  assert.deepEqual(all.messages[0], {
    msgid: "0000000000000002",
    room: "general",
    to: null,
    user: "zoe",
    text: "<b>hi</b>",
    ts: "1970-01-01T00:00:00.000Z",
  });
  const byBob = await (await h.call("GET", "/api/messages?user=bob", { cookie: h.cookie })).json();
  assert.deepEqual(byBob.messages.map((m: { to: string }) => m.to), ["zoe"]);
  const stats = await (await h.call("GET", "/api/stats", { cookie: h.cookie })).json();
  assert.equal(stats.messagesStored, 42);
});

Deno.test("GET /metrics is Prometheus text with every counter", async () => {
  const h = await loggedIn();
  const res = await h.call("GET", "/metrics", { cookie: h.cookie });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^# TYPE fastchat_connections gauge$/m);
  assert.match(text, /^fastchat_connections 3$/m);
  assert.match(text, /^fastchat_messages_accepted_total 10$/m);
  assert.match(text, /^fastchat_store_commit_seconds_total 0\.0125$/m);
  assert.match(text, /^fastchat_errors_total\{code="bad_frame"\} 2$/m);
  for (const line of text.trimEnd().split("\n")) {
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [0-9.e+-]+)$/, line);
  }
});

Deno.test("the page, its script and styles are served with a strict CSP; unknown paths are 404 and wrong methods 405", async () => {
  const h = await harness();
  const page = await h.call("GET", "/");
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type")!, /text\/html/);
  assert.match(page.headers.get("content-security-policy")!, /script-src 'self'/);
  assert.match(await page.text(), /<div id="app">/);
  const js = await h.call("GET", "/app.js");
  assert.match(js.headers.get("content-type")!, /javascript/);
  assert.ok((await js.text()).length > 1000);
  const css = await h.call("GET", "/app.css");
  assert.match(await css.text(), /\.panel/);
  const missing = await h.call("GET", "/nope");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const cookie = await h.login();
  const wrong = await h.call("GET", "/api/kick", { cookie });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "POST");
  await wrong.body?.cancel();
  const unknown = await h.call("GET", "/api/nothing", { cookie });
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

Deno.test("the live feed streams hello, stats, messages, signals and shutdown, and ends at logout", async () => {
  const h = await loggedIn();
  const res = await h.call("GET", "/api/events", { cookie: h.cookie });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type")!, /^text\/event-stream/);
  const sse = new SseText(res.body!);
  const until = (pattern: RegExp) => sse.until(pattern);
  await until(/event: hello\n/);
  await until(/event: stats\ndata: \{"connections":3/);
  h.control.emit({ type: "message", message: roomMessage(7, "yo") });
  h.control.emit({ type: "presence" });
  h.control.emit({ type: "presence" });
  await until(/event: presence\n/);
  assert.match(sse.text, /event: messages\ndata: \{"messages":\[\{"msgid":"0000000000000007"/);
  assert.equal(sse.text.match(/event: presence/g)?.length, 1, "signals are coalesced");
  await h.call("POST", "/api/shutdown", { body: { delay: 3, message: "bye" }, cookie: h.cookie });
  await until(/event: shutdown\ndata: \{"message":"bye","in":3\}/);
  await until(/event: audit\n/);
  assert.equal(h.control.subscribers, 1);
  await h.call("POST", "/api/logout", { cookie: h.cookie });
  await until(/event: bye\n/);
  assert.ok(await sse.ended(), "the stream ends after bye");
  assert.equal(h.control.subscribers, 0);
});

Deno.test("the live feed sends edits and deletions; bad input a burst of 60 becomes one feed-stale", async () => {
  const h = await loggedIn();
  const res = await h.call("GET", "/api/events", { cookie: h.cookie });
  const sse = new SseText(res.body!);
  const until = (pattern: RegExp) => sse.until(pattern);
  await until(/event: hello\n/);
  h.control.emit({ type: "edited", message: roomMessage(9, "second words") });
  h.control.emit({ type: "edited", message: roomMessage(9, "third words") });
  h.control.emit({ type: "deleted", msgid: "0000000000000008" });
  await until(/event: deleted\n/);
  assert.match(
    sse.text,
    /event: edited\ndata: \{"messages":\[\{"msgid":"0000000000000009"[^\n]*"third words"/,
  );
  assert.doesNotMatch(sse.text, /second words/, "only the latest edit of a flush is sent");
  assert.match(sse.text, /event: deleted\ndata: \{"msgids":\["0000000000000008"\]\}/);
  sse.text = "";
  for (let seq = 100; seq < 160; seq++) {
    h.control.emit({ type: "deleted", msgid: String(seq).padStart(16, "0") });
  }
  h.control.emit({ type: "presence" }); // sent in the same flush, after the burst's events
  await until(/event: presence\n/);
  assert.match(sse.text, /event: feed-stale\n/);
  assert.doesNotMatch(sse.text, /event: deleted/, "the burst is one reload, not 60 deletions");
  await sse.cancel();
});

Deno.test("close() ends open live feeds", async () => {
  const h = await loggedIn();
  const res = await h.call("GET", "/api/events", { cookie: h.cookie });
  const reader = res.body!.getReader();
  await reader.read();
  h.admin.close();
  while (!(await reader.read()).done) {
    // Drain what was queued before the close.
  }
  assert.equal(h.control.subscribers, 0);
});
