/** The lag shown in the status bar: measured with `ping`, and none while offline. */
import assert from "node:assert/strict";
import { LagMeter } from "../../lib/client/ui/lag_meter.ts";
import type { ChatClient } from "../../lib/client/chat_client.ts";

Deno.test("lag meter: bad input a connection lost after a measure shows no lag (not the old one), before and after it is back", async () => {
  const client = {
    online: true,
    request: () => Promise.resolve({ ok: true, frame: { type: "ok", id: 1 } }),
  };
  let changes = 0;
  const meter = new LagMeter(client as unknown as ChatClient, () => changes++);
  try {
    while (changes === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(typeof meter.lagMs, "number");
    client.online = false;
    assert.equal(meter.lagMs, null, "offline: no lag");
    client.online = true;
    assert.equal(meter.lagMs, null, "back online: nothing until measured again");
  } finally {
    meter.stop();
  }
});
