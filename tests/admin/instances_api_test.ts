/**
 * `GET /api/instances` and the `instance` of each session in `GET /api/users`, on one
 * process (PROTOCOL.md "Cluster mode": one process answers with itself; its name is
 * `--instance`, by default the host name and the chat port). The cluster's side is in
 * tests/cluster/ and tests/unit/presence_test.ts.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { AdminClient } from "./admin_client.ts";

const PASSWORD = "test-admin-password";
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

Deno.test("instances: --instance names the one process in /api/instances and in every session of /api/users", async () => {
  const server = await startServer({ args: ["--instance", "alpha"] });
  const clients: FrameClient[] = [];
  try {
    for (const name of ["alice", "bob"]) {
      const client = await FrameClient.connect(server.port);
      clients.push(client);
      await client.registerAndLogin(name);
      await client.ok({ type: "join", room: "general" });
    }
    const second = await FrameClient.connect(server.port);
    clients.push(second);
    await second.ok({ type: "login", user: "alice", password: "correct horse" });
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD);

    const instances = await admin.call("GET", "/api/instances");
    assert.equal(instances.status, 200);
    assert.equal(instances.body.instances.length, 1);
    const [self] = instances.body.instances;
    assert.deepEqual(Object.keys(self).sort(), [
      "chat",
      "instance",
      "lastSeen",
      "sessions",
      "since",
    ]);
    assert.equal(self.instance, "alpha");
    assert.match(self.chat, new RegExp(`:${server.port}$`));
    assert.equal(self.sessions, 3);
    assert.match(self.since, ISO);
    assert.match(self.lastSeen, ISO);
    assert.ok(Date.parse(self.since) <= Date.parse(self.lastSeen));

    const users = await admin.call("GET", "/api/users");
    const sessions = users.body.users.flatMap((u: { sessions: unknown[] }) => u.sessions);
    assert.equal(sessions.length, 3);
    for (const session of sessions) assert.equal(session.instance, "alpha");
  } finally {
    for (const c of clients) c.close();
    await server.cleanup();
  }
});

Deno.test("instances: without --instance the name is the host name and the chat port", async () => {
  const server = await startServer();
  const client = await FrameClient.connect(server.port);
  try {
    await client.registerAndLogin("carol");
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD);
    const { body } = await admin.call("GET", "/api/instances");
    assert.equal(body.instances.length, 1);
    assert.equal(body.instances[0].instance, `${Deno.hostname()}:${server.port}`);
    const users = await admin.call("GET", "/api/users");
    assert.equal(users.body.users[0].sessions[0].instance, body.instances[0].instance);
  } finally {
    client.close();
    await server.cleanup();
  }
});

Deno.test("instances: bad input: another method, no session, a foreign Origin", async () => {
  const server = await startServer();
  try {
    const anonymous = new AdminClient(server.adminPort);
    assert.equal((await anonymous.call("GET", "/api/instances")).status, 401);
    const admin = new AdminClient(server.adminPort);
    await admin.login(PASSWORD);
    const post = await admin.call("POST", "/api/instances", {}, {
      origin: admin.base,
      "content-type": "application/json",
    });
    assert.equal(post.status, 405);
    const foreign = await admin.call("GET", "/api/instances", undefined, {
      origin: "http://evil.example",
    });
    assert.equal(foreign.status, 403);
  } finally {
    await server.cleanup();
  }
});
