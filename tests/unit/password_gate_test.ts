/**
 * The limit on argon2 computations running at once (`TaskGate`, lib/common/task_gate.ts) and
 * the proof that lets a login right after `register` skip the second hash
 * (lib/auth/registration_proof.ts), with their bad inputs: a failing task, a wrong password,
 * another account, a changed hash, an expired or reused proof, a clock that went back.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { HASH_SLOTS, hashing, hashPassword, verifyPassword } from "../../lib/auth/password.ts";
import { TaskGate } from "../../lib/common/task_gate.ts";
import { RegistrationProofs } from "../../lib/auth/registration_proof.ts";

function deferred() {
  return Promise.withResolvers<void>();
}

Deno.test("task gate: at most `slots` run at once, the others start in arrival order", async () => {
  const gate = new TaskGate(2);
  const releases = [deferred(), deferred(), deferred(), deferred(), deferred()];
  const started: number[] = [];
  const runs = releases.map((release, i) =>
    gate.run(async () => {
      started.push(i);
      await release.promise;
      return i;
    })
  );
  await Promise.resolve();
  deepEqual(started, [0, 1]);
  equal(gate.running, 2);
  equal(gate.waiting, 3);
  releases[1]!.resolve();
  await runs[1];
  await Promise.resolve();
  deepEqual(started, [0, 1, 2], "the first waiting task takes the freed slot");
  equal(gate.running, 2);
  for (const release of releases) release.resolve();
  deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4]);
  equal(gate.running, 0);
  equal(gate.waiting, 0);
});

Deno.test("task gate: bad input a task that throws frees its slot for the next", async () => {
  const gate = new TaskGate(1);
  const failing = gate.run(() => Promise.reject(new Error("boom")));
  const next = gate.run(() => Promise.resolve("next ran"));
  await rejects(failing, /boom/);
  equal(await next, "next ran");
  equal(gate.running, 0);
});

Deno.test("password hashing: at most HASH_SLOTS at once, every result still right", async () => {
  ok(HASH_SLOTS >= 4 && HASH_SLOTS <= 16, `${HASH_SLOTS}`);
  const passwords = Array.from({ length: HASH_SLOTS + 3 }, (_, i) => `password number ${i}`);
  const hashes = await Promise.all(passwords.map((p) => hashPassword(p)));
  const checks = await Promise.all(hashes.map((h, i) => verifyPassword(h, passwords[i]!)));
  ok(checks.every(Boolean));
  ok(hashing.peak <= HASH_SLOTS, `peak ${hashing.peak} of ${HASH_SLOTS} slots`);
  ok(hashing.peak >= 2, "hashes did run side by side");
  equal(hashing.running, 0);
  equal(await verifyPassword(hashes[0]!, passwords[1]!), false, "another password is refused");
  equal(await verifyPassword("not a PHC string", "whatever password"), false);
});

Deno.test("registration proof: the registering holder logs in once with the same password", async () => {
  const proofs = new RegistrationProofs(60_000);
  const session = {};
  const record = { id: 7, passwordHash: "$argon2id$stored" };
  await proofs.remember(session, 7, record.passwordHash, "the password", 1_000);
  ok(proofs.holds(session));
  equal(await proofs.matches({}, record, "the password", 1_001), false, "another holder");
  equal(await proofs.matches(session, record, "the password", 1_002), true);
  equal(await proofs.matches(session, record, "the password", 1_003), false, "used up");
  ok(!proofs.holds(session));
});

Deno.test("registration proof: bad input wrong password, other account, changed hash, expired, clock back", async () => {
  const proofs = new RegistrationProofs(60_000);
  const record = { id: 7, passwordHash: "$argon2id$stored" };
  const cases: [string, { id: number; passwordHash: string }, string, number][] = [
    ["a wrong password", record, "the passwordX", 1_000],
    ["another account", { id: 8, passwordHash: record.passwordHash }, "the password", 1_000],
    ["a changed hash", { id: 7, passwordHash: "$argon2id$changed" }, "the password", 1_000],
    ["an expired proof", record, "the password", 1_000 + 60_001],
    ["a clock that went back", record, "the password", 999],
  ];
  for (const [what, asked, password, now] of cases) {
    const session = {};
    await proofs.remember(session, 7, record.passwordHash, "the password", 1_000);
    equal(await proofs.matches(session, asked, password, now), false, what);
    equal(await proofs.matches(session, record, "the password", 1_000), false, `${what}: used up`);
  }
});

Deno.test("registration proof: dropped after its time to live even without a login", async () => {
  const proofs = new RegistrationProofs(30);
  const session = {};
  await proofs.remember(session, 1, "$argon2id$h", "the password", 0);
  ok(proofs.holds(session));
  await new Promise((resolve) => setTimeout(resolve, 80));
  ok(!proofs.holds(session), "the proof is forgotten");
});
