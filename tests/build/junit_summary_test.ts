import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { addSummaries, formatSummaryLine, parseJunit } from "../../scripts/lib/junit_summary.ts";

const SAMPLE = fileURLToPath(new URL("./fixtures/junit_sample.ts", import.meta.url));

Deno.test("parseJunit counts a real deno test report: passes, failures, ignores and steps", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fastchat-junit-" });
  try {
    const report = `${dir}/report.xml`;
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--no-check", `--junit-path=${report}`, SAMPLE],
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "null",
    }).output();
    assert.notEqual(code, 0, "the sample has failing tests, so deno test must fail");
    const summary = parseJunit(await Deno.readTextFile(report));
    // "passes…" and "step passes" pass; "fails…", "has steps" and its failing step fail.
    assert.equal(summary.passed, 2);
    assert.equal(summary.failed, 3);
    assert.equal(summary.skipped, 1);
    assert.deepEqual(summary.skips.map((s) => s.split(" > ").at(-1)), ["ignored on purpose"]);
    assert.ok(
      summary.failures.some((f) => f.endsWith("> fails on purpose")),
      summary.failures.join(),
    );
    assert.ok(summary.failures.some((f) => f.endsWith("> has steps > step fails on purpose")));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseJunit decodes escaped names and self-closing test cases", () => {
  const xml = `<?xml version="1.0"?><testsuites><testsuite name="x">
    <testcase name="a &lt;&amp;&gt; &quot;b&quot; &#233;&#x4e2d;" classname="./x_test.ts"/>
    <testcase name="c" classname="./x_test.ts"><failure message="m">boom</failure></testcase>
    </testsuite></testsuites>`;
  const summary = parseJunit(xml);
  assert.equal(summary.passed, 1);
  assert.deepEqual(summary.failures, ["./x_test.ts > c"]);
});

Deno.test("parseJunit rejects bad input: text that is not a JUnit report", () => {
  assert.throws(() => parseJunit("not xml at all"), SyntaxError);
  assert.throws(() => parseJunit(""), /no <testsuites> element/);
});

Deno.test("formatSummaryLine prints the closing line, skips only when there are some", () => {
  const a = { passed: 3, failed: 0, skipped: 0, failures: [], skips: [] };
  const b = { passed: 2, failed: 1, skipped: 4, failures: ["f > t"], skips: ["f > s [why]"] };
  assert.equal(formatSummaryLine(a), "3 passed, 0 failed");
  assert.equal(formatSummaryLine(addSummaries(a, b)), "5 passed, 1 failed, 4 skipped");
  assert.deepEqual(addSummaries(a, b).failures, ["f > t"]);
  assert.deepEqual(addSummaries(a, b).skips, ["f > s [why]"]);
});
