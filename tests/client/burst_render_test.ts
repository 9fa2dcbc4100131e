/**
 * The full-screen window under a burst (issue 17), in a real terminal (tmux) against a real
 * server: 3,000 messages pipelined by another user while the user types. The lines are drawn
 * a frame at a time from the compact scrollback, so this checks what that must not lose:
 * every message on screen in order and none twice, the typed text intact, PageUp paging
 * through contiguous older lines, an edit of a message far up the scrollback shown in place,
 * and Home/End.
 */
import assert from "node:assert/strict";
import { startServer } from "../support/server_process.ts";
import { FrameClient } from "../support/frame_client.ts";
import { settle, type TmuxTerminal } from "./tmux.ts";
import { loginTerminal, PASSWORD } from "./client_terminal.ts";

const ROWS = 24;
const BURST = 3_000;

/** The burst numbers shown on screen, top to bottom. */
function shownNumbers(rows: string[]): number[] {
  return rows.flatMap((row) => {
    const found = /bob: burst (\d+)\b/.exec(row);
    return found ? [Number(found[1])] : [];
  });
}

/** Whether `numbers` follow each other with no gap and no repeat. */
function contiguous(numbers: number[]): boolean {
  return numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1);
}

Deno.test("full screen: a burst of 3,000 messages while typing: all shown in order, input intact, scrollback pages, in-place edit far up", async () => {
  const server = await startServer();
  let term: TmuxTerminal | null = null;
  let bob: FrameClient | null = null;
  try {
    bob = await FrameClient.connect(server.port);
    await bob.registerAndLogin("bob", PASSWORD);
    await bob.ok({ type: "join", room: "general" });
    await bob.ok({ type: "register", user: "hana", password: PASSWORD });
    term = await loginTerminal(server.port, "hana", { columns: 100, rows: ROWS });
    await settle(term, "the window", (r) => r[ROWS - 2]!.includes("hana · connected"));

    // The burst, pipelined; the user types while it arrives.
    let chunk = "";
    for (let i = 0; i < BURST; i++) {
      chunk += JSON.stringify({ type: "say", id: 1_000 + i, room: "general", text: `burst ${i}` });
      chunk += "\n";
    }
    const sent = bob.writeRaw(chunk);
    await term.type("typed during the burst");
    await sent;
    const replies = new Map<number, string>();
    for (let i = 0; i < BURST; i++) {
      const reply = await bob.next((f) => f.type === "ok" && f.id === 1_000 + i);
      replies.set(i, String(reply.msgid));
    }
    let rows = await settle(
      term,
      "the end of the burst",
      (r) => r.join("\n").includes(`burst ${BURST - 1}`),
    );
    let numbers = shownNumbers(rows);
    assert.equal(numbers.at(-1), BURST - 1, rows.join("\n"));
    assert.ok(
      numbers.length >= ROWS - 5 && contiguous(numbers),
      `in order, none twice: ${numbers}`,
    );
    assert.equal(rows[ROWS - 1], "[general] › typed during the burst", "the input is intact");

    // PageUp: older lines, contiguous, ending just above what was on screen.
    const newest = numbers;
    await term.keys("PPage");
    rows = await settle(term, "one page up", (r) => r[ROWS - 2]!.includes("scrolled up"));
    numbers = shownNumbers(rows);
    assert.ok(contiguous(numbers) && numbers.at(-1)! < newest.at(-1)!, `${numbers}`);
    assert.ok(numbers.at(-1)! >= newest[0]!, "a page overlaps the one below by a row at most");
    await term.keys("PPage", "PPage");
    rows = await settle(term, "three pages up", (r) => shownNumbers(r)[0]! < numbers[0]! - 30);
    assert.ok(contiguous(shownNumbers(rows)), rows.join("\n"));

    // An edit of a message near the top of the scrollback changes its line in place.
    await bob.ok({ type: "edit", msgid: replies.get(5)!, text: "burst 5 fixed" });
    await term.keys("C-Home");
    rows = await settle(term, "the top", (r) => r.join("\n").includes("burst 5 fixed (edited)"));
    const text = rows.join("\n");
    assert.ok(text.indexOf("bob: burst 4") < text.indexOf("bob: burst 5 fixed (edited)"));
    assert.ok(text.indexOf("bob: burst 5 fixed (edited)") < text.indexOf("bob: burst 6"));
    assert.equal(text.split("burst 5 fixed").length - 1, 1, "shown once");

    await term.keys("C-End");
    rows = await settle(term, "the newest again", (r) => !r[ROWS - 2]!.includes("scrolled up"));
    assert.equal(shownNumbers(rows).at(-1), BURST - 1);
  } finally {
    bob?.close();
    await term?.close();
    await server.cleanup();
  }
});
