/**
 * One mute notice (issue 12): a mute imposed by an admin and one imposed by flood escalation
 * reach the muted user's sessions as the same `notice` shape and wording, because both go
 * through `lib/server/moderation/sanctions.ts`. Over a real socket and the real admin API.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { FrameClient } from "../support/frame_client.ts";
import { startServer } from "../support/server_process.ts";
import { ADMIN_TOKEN } from "./support.ts";

/** `You are muted until <ISO time>: <reason>` — the one wording. */
const MUTE_NOTICE = /^You are muted until (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z): (.+)$/;

Deno.test("mute notice: bad input a flood and an admin mute send the same notice shape", async () => {
  const server = await startServer({ limits: true, env: { FASTCHAT_ADMIN_TOKEN: ADMIN_TOKEN } });
  const flooder = await FrameClient.connect(server.port);
  const calm = await FrameClient.connect(server.port);
  try {
    await flooder.registerAndLogin("flooder");
    await calm.registerAndLogin("calm");
    await flooder.ok({ type: "join", room: "general" });

    // The automatic mute: 200 says in one write, far past the burst.
    const flood = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({ type: "say", id: `f${i}`, room: "general", text: `spam ${i}` })).join("\n") +
      "\n";
    await flooder.writeRaw(flood).catch(() => {}); // Kicked before the end is fine.
    const automatic = await flooder.next((f) =>
      f.type === "notice"
    );

    // The admin's mute, with a reason.
    const response = await fetch(`http://127.0.0.1:${server.adminPort}/api/mute`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ user: "calm", duration: "5m", reason: "cool off" }),
    });
    equal(response.status, 200, await response.clone().text());
    const { until } = await response.json() as { until: string };
    const manual = await calm.next((f) =>
      f.type === "notice"
    );

    deepEqual(Object.keys(automatic).sort(), ["text", "type"]);
    deepEqual(Object.keys(manual).sort(), Object.keys(automatic).sort());
    const auto = MUTE_NOTICE.exec(automatic.text as string);
    const admin = MUTE_NOTICE.exec(manual.text as string);
    match(automatic.text as string, MUTE_NOTICE);
    match(manual.text as string, MUTE_NOTICE);
    equal(auto![2], "Automatic mute: too many messages too fast.");
    equal(admin![1], until, "the notice names the same end as the API's answer");
    equal(admin![2], "cool off");
  } finally {
    flooder.close();
    calm.close();
    await server.cleanup();
  }
});
