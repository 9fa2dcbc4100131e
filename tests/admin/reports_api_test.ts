/**
 * The report queue (issue 15) against a real server subprocess over TCP: a report filed by
 * a real client appears in `GET /api/reports` with the message and its context; "dismiss"
 * closes it; "delete" closes it and deletes the message, which a second client sees as
 * `deleted`; closed reports are listed with `?status=closed`; bad ids, actions and
 * statuses get 404/400/409.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { admin, ADMIN_TOKEN } from "../server/support.ts";

const ENV = { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN };

interface Report {
  id: number;
  msgid: string;
  message: { msgid: string; text: string; user: string; deleted?: boolean } | null;
  context: { text: string }[];
  reporter: string;
  reason: string;
  at: string;
  status: string;
  resolvedBy?: string;
}

async function reports(adminPort: number, query = ""): Promise<Report[]> {
  const reply = await admin(adminPort, "GET", `/api/reports${query}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return (reply.body as { reports: Report[] }).reports;
}

Deno.test("report queue: a client's report appears with context; dismiss and delete close it; delete reaches a second client", async () => {
  const server = await startServer({ env: ENV });
  const ann = await FrameClient.connect(server.port);
  const bob = await FrameClient.connect(server.port);
  try {
    await ann.registerAndLogin("ann");
    await bob.registerAndLogin("bob");
    await ann.ok({ type: "join", room: "general" });
    await bob.ok({ type: "join", room: "general" });
    const ids: string[] = [];
    for (const text of ["before 1", "before 2", "rude", "after 1", "after 2", "after 3"]) {
      ids.push((await ann.ok({ type: "say", room: "general", text })).msgid as string);
    }
    const rude = ids[2]!;
    const filed = await bob.ok({ type: "report", msgid: rude, reason: "insulting" });
    const filed2 = await bob.ok({ type: "report", msgid: ids[0], reason: "spam" });

    const open = await reports(server.adminPort);
    assert.deepEqual(open.map((r) => r.id), [filed2.report, filed.report], "newest first");
    const report = open[1]!;
    assert.equal(report.msgid, rude);
    assert.equal(report.message?.text, "rude");
    assert.equal(report.message?.user, "ann");
    assert.equal(report.reporter, "bob");
    assert.equal(report.reason, "insulting");
    assert.equal(report.status, "open");
    assert.match(report.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(report.context.map((m) => m.text), [
      "before 1",
      "before 2",
      "after 1",
      "after 2",
    ]);
    assert.deepEqual(await reports(server.adminPort, "?status=open"), open);

    const dismissed = await admin(server.adminPort, "POST", `/api/reports/${filed2.report}`, {
      action: "dismiss",
    });
    assert.equal(dismissed.status, 200, JSON.stringify(dismissed.body));
    const deleted = await admin(server.adminPort, "POST", `/api/reports/${filed.report}`, {
      action: "delete",
    });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    const event = await bob.next((f) => f.type === "deleted");
    assert.equal(event.msgid, rude);
    assert.equal(event.room, "general");
    assert.ok(typeof event.by === "string" && event.by.length > 0);
    await ann.next((f) => f.type === "deleted" && f.msgid === rude);

    assert.deepEqual(await reports(server.adminPort), []);
    const closed = await reports(server.adminPort, "?status=closed");
    assert.deepEqual(closed.map((r) => [r.id, r.status]), [
      [filed2.report, "closed"],
      [filed.report, "closed"],
    ]);
    assert.equal(closed[1]!.message?.deleted, true, "the deleted message is a tombstone");
    assert.equal(closed[1]!.message?.text, "");
    assert.ok(closed[0]!.resolvedBy);
    const history = await bob.ok({ type: "history", room: "general" });
    const texts = (history.messages as { text: string }[]).map((m) => m.text);
    assert.ok(!texts.includes("rude"));
    assert.ok(texts.includes("before 1"), "dismiss deleted nothing");

    const again = await admin(server.adminPort, "POST", `/api/reports/${filed.report}`, {
      action: "dismiss",
    });
    assert.equal(again.status, 409, "closed already");

    const audit = await admin(server.adminPort, "GET", "/api/audit");
    const actions = (audit.body as { entries: { action: string; target: string }[] }).entries
      .map((e) => `${e.action} ${e.target}`);
    for (
      const expected of [
        `report_dismiss ${filed2.report}`,
        `report_delete ${filed.report}`,
        `delete_message ${rude}`,
      ]
    ) {
      assert.ok(actions.includes(expected), `${expected} in ${actions.join("; ")}`);
    }
  } finally {
    ann.close();
    bob.close();
    await server.cleanup();
  }
});

Deno.test("report queue: bad ids get 404, bad actions and statuses 400, and nothing closes", async () => {
  const server = await startServer({ env: ENV });
  const ann = await FrameClient.connect(server.port);
  try {
    await ann.registerAndLogin("ann");
    await ann.ok({ type: "join", room: "general" });
    const said = await ann.ok({ type: "say", room: "general", text: "hm" });
    const filed = await ann.ok({ type: "report", msgid: said.msgid, reason: "test" });
    for (const id of ["abc", "0", "-3", "1.5", "424242"]) {
      const reply = await admin(server.adminPort, "POST", `/api/reports/${id}`, {
        action: "dismiss",
      });
      assert.equal(reply.status, 404, `id ${id}: ${JSON.stringify(reply.body)}`);
    }
    const badBodies: [string, unknown][] = [
      ["an unknown action", { action: "ban" }],
      ["a missing action", {}],
      ["a number", { action: 1 }],
      ["not an object", "dismiss"],
    ];
    for (const [what, body] of badBodies) {
      const reply = await admin(server.adminPort, "POST", `/api/reports/${filed.report}`, body);
      assert.equal(reply.status, 400, `${what}: ${JSON.stringify(reply.body)}`);
    }
    for (const query of ["?status=pending", "?status=", "?limit=0", "?limit=x"]) {
      const reply = await admin(server.adminPort, "GET", `/api/reports${query}`);
      assert.equal(reply.status, 400, `${query}: ${JSON.stringify(reply.body)}`);
    }
    assert.deepEqual((await reports(server.adminPort)).map((r) => r.id), [filed.report]);
  } finally {
    ann.close();
    await server.cleanup();
  }
});

Deno.test("report queue: deleting a message closes every open report of it (through one report, or through the messages API), audited; reports of other messages stay open", async () => {
  const server = await startServer({ env: ENV });
  const clients = await Promise.all(
    ["ann", "bob", "cat", "dan"].map(async (name) => {
      const client = await FrameClient.connect(server.port);
      await client.registerAndLogin(name);
      await client.ok({ type: "join", room: "general" });
      return client;
    }),
  );
  const [ann, bob, cat, dan] = clients as [FrameClient, FrameClient, FrameClient, FrameClient];
  try {
    const say = async (text: string) =>
      (await ann.ok({ type: "say", room: "general", text })).msgid as string;
    const rude = await say("rude");
    const worse = await say("worse");
    const fine = await say("fine");
    const file = async (by: FrameClient, msgid: string) =>
      (await by.ok({ type: "report", msgid, reason: "bad" })).report as number;
    const onRude = [await file(bob, rude), await file(cat, rude), await file(dan, rude)];
    const onWorse = [await file(bob, worse), await file(cat, worse)];
    const onFine = await file(dan, fine);

    // Through the first report: its two siblings close with it.
    const deleted = await admin(server.adminPort, "POST", `/api/reports/${onRude[0]}`, {
      action: "delete",
    });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    // Through the messages API: both reports of that message close.
    const removed = await admin(server.adminPort, "DELETE", `/api/messages/${worse}`);
    assert.equal(removed.status, 204, JSON.stringify(removed.body));

    assert.deepEqual((await reports(server.adminPort)).map((r) => r.id), [onFine]);
    const closed = await reports(server.adminPort, "?status=closed");
    assert.deepEqual(closed.map((r) => r.id).sort((a, b) => a - b), [...onRude, ...onWorse]);
    assert.ok(closed.every((r) => r.resolvedBy), "each closed by the staff member");

    const audit = await admin(server.adminPort, "GET", "/api/audit");
    const entries = (audit.body as {
      entries: { action: string; target: string; detail: string }[];
    }).entries.filter((e) => e.action === "report_delete");
    const detail = (id: number) =>
      JSON.parse(entries.find((e) => e.target === String(id))?.detail ?? "null");
    assert.deepEqual(detail(onRude[0]!), { msgid: rude, removed: "deleted" });
    assert.deepEqual(detail(onRude[1]!), { msgid: rude, removed: "deleted", along: onRude[0] });
    assert.deepEqual(detail(onRude[2]!), { msgid: rude, removed: "deleted", along: onRude[0] });
    assert.deepEqual(detail(onWorse[0]!), { msgid: worse, removed: "deleted" });
    assert.deepEqual(detail(onWorse[1]!), { msgid: worse, removed: "deleted" });
  } finally {
    for (const client of clients) client.close();
    await server.cleanup();
  }
});
