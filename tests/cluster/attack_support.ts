/**
 * Small helpers shared by the attack tests of the cluster (`attack_*_test.ts`): the log
 * positions an instance exports on `/metrics`, and the frames of one kind a client got.
 */
import assert from "node:assert/strict";
import type { Frame, FrameClient } from "../support/frame_client.ts";
import type { TestCluster } from "../support/cluster.ts";
import { ADMIN_TOKEN } from "../server/support.ts";

/** `/metrics` of an instance's admin listener. */
export async function metricsOf(adminPort: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  assert.equal(response.status, 200);
  return await response.text();
}

/** One gauge of a `/metrics` text (NaN when absent). */
export function gauge(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.split(" ")[1]);
}

/** Each instance's last log entry read and last one written into the database. */
export async function logPositions(
  cluster: TestCluster,
): Promise<{ instance: string; read: number; applied: number }[]> {
  const positions = [];
  for (const instance of cluster.instances) {
    if (!instance.running) continue;
    const text = await metricsOf(instance.adminPort);
    positions.push({
      instance: instance.name,
      read: gauge(text, "fastchat_cluster_log_read_entry"),
      applied: gauge(text, "fastchat_cluster_log_applied_entry"),
    });
  }
  return positions;
}

/** The frames of `type` about `room` that `client` received so far, in order. */
export function framesOf(client: FrameClient, type: string, room?: string): Frame[] {
  return client.received.filter((f) => f.type === type && (room === undefined || f.room === room));
}

/** The log lines of every instance that carry `event` (a structured log's event name). */
export function logLines(cluster: TestCluster, event: string): string[] {
  return cluster.instances.flatMap((i) => i.log().split("\n").filter((l) => l.includes(event)));
}
