/**
 * Flood control over a real socket with the default limits: a client that floods `say` is
 * answered `rate_limited` with a retry hint, then muted automatically (told by a `notice`),
 * then kicked when it goes on; both steps are in the audit log by "system", and everyone
 * else keeps chatting meanwhile.
 */
import { equal, match, ok } from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { ADMIN_TOKEN, readAudit, waitFor } from "./support.ts";

Deno.test("flood: bad input a say flood is rate limited, auto-muted, then kicked and audited", async () => {
  const server = await startServer({ limits: true, env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const flooder = await FrameClient.connect(server.port);
  const neighbour = await FrameClient.connect(server.port);
  try {
    await flooder.registerAndLogin("flooder");
    await neighbour.registerAndLogin("neighbour");
    await flooder.ok({ type: "join", room: "general" });
    await neighbour.ok({ type: "join", room: "general" });

    // 200 says in one write: far past the burst of 10, faster than 5 per second.
    const flood = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ type: "say", id: `f${i}`, room: "general", text: `spam ${i}` })).join("\n") +
      "\n";
    await flooder.writeRaw(flood).catch(() => {}); // Kicked before the end is fine.

    const limited = await flooder.next((f) =>
      f.type === "error" && f.code === "rate_limited"
    );
    ok((limited.retryAfterMs as number) > 0, "rate_limited carries a retry hint");
    const notice = await flooder.next((f) =>
      f.type === "notice"
    );
    match(notice.text as string, /You are muted until .*Automatic mute/);
    const kicked = await flooder.next((f) => f.type === "kicked");
    match(kicked.reason as string, /Automatic kick/);
    await flooder.closed;
    // What the bucket let through is stored; the acks of the last ones may not reach a
    // client that was kicked before their commit, so count the store, not the oks.
    const page = await neighbour.ok({ type: "history", room: "general", limit: 200 });
    const stored = (page.messages as { user: string; msgid: string }[])
      .filter((m) => m.user === "flooder");
    ok(stored.length >= 10 && stored.length < 50, `burst stored: ${stored.length}`);
    const acked = flooder.received.filter((f) => f.type === "ok" && /^f/.test(String(f.id)));
    for (const ack of acked) ok(stored.some((m) => m.msgid === ack.msgid), "acked means stored");

    // The neighbour chats on, and saw exactly the flooder's stored messages.
    const said = await neighbour.ok({ type: "say", room: "general", text: "still fine" });
    await neighbour.next((f) => f.type === "message" && f.msgid === said.msgid);
    const spam = neighbour.events("message").filter((m) => m.user === "flooder");
    equal(spam.length, stored.length);

    // The kick holds: logging in again is refused until it ends.
    const again = await FrameClient.connect(server.port);
    try {
      const reply = await again.request({
        type: "login",
        user: "flooder",
        password: "correct horse",
      });
      equal(reply.code, "kicked");
    } finally {
      again.close();
    }

    const audit = await readAuditUntil(server.adminPort, 2);
    const system = audit.filter((e) => e.by === "system" && e.target === "flooder");
    equal(system.map((e) => e.action).sort().join(","), "kick,mute");
    await waitFor("the escalation logged", () => /flood_escalation/.test(server.log()));
  } finally {
    flooder.close();
    neighbour.close();
    await server.cleanup();
  }
});

/** Reads the audit log until it holds at least `n` entries by "system". */
async function readAuditUntil(adminPort: number, n: number) {
  for (let attempt = 0;; attempt++) {
    const entries = await readAudit(adminPort);
    if (entries.filter((e) => e.by === "system").length >= n || attempt > 100) return entries;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("flood: a client that waits as told by retryAfterMs is never escalated", async () => {
  const server = await startServer({
    limits: true,
    args: ["--msg-rate", "20:3", "--flood", "2:1m:5m"],
  });
  const client = await FrameClient.connect(server.port);
  try {
    await client.registerAndLogin("polite");
    await client.ok({ type: "join", room: "general" });
    for (let i = 0; i < 30; i++) {
      const reply = await client.request({ type: "say", room: "general", text: `hello ${i}` });
      if (reply.type === "error") {
        equal(reply.code, "rate_limited");
        await new Promise((resolve) => setTimeout(resolve, reply.retryAfterMs as number));
      }
    }
    equal(client.events("notice").length, 0);
    equal(client.isClosed, false);
  } finally {
    client.close();
    await server.cleanup();
  }
});

Deno.test("flood: bad input a say flood on a French server (--lang fr) is muted and kicked with French reasons, stored as sent", async () => {
  const server = await startServer({
    limits: true,
    args: ["--lang", "fr"],
    env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  const flooder = await FrameClient.connect(server.port);
  try {
    await flooder.registerAndLogin("flooder");
    await flooder.ok({ type: "join", room: "general" });
    const flood = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ type: "say", id: `f${i}`, room: "general", text: `spam ${i}` })).join("\n") +
      "\n";
    await flooder.writeRaw(flood).catch(() => {});
    const notice = await flooder.next((f) =>
      f.type === "notice"
    );
    match(
      notice.text as string,
      /^Vous ne pouvez plus écrire jusqu'à .* : Sourdine automatique : /,
    );
    const kicked = await flooder.next((f) =>
      f.type === "kicked"
    );
    equal(kicked.reason, "Expulsion automatique : trop de messages malgré la sourdine.");
    await flooder.closed;
    const audit = await readAudit(server.adminPort);
    const mute = audit.find((e) => e.action === "mute" && e.target === "flooder");
    match(String(mute?.detail), /Sourdine automatique/);
  } finally {
    flooder.close();
    await server.cleanup();
  }
});
