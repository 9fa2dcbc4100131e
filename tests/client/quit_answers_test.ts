/**
 * `/quit` while a message awaits its answer, against a scripted server that holds the
 * answer back: the client waits, and a refusal that comes meanwhile is said with the text
 * typed, also after the full-screen window has closed (it used to vanish with the window);
 * `not_in_room` then joins nothing again.
 */
import assert from "node:assert/strict";
import { type FakeConnection, FakeServer, type Request } from "./fake_server.ts";
import { TmuxTerminal } from "./tmux.ts";
import { CLIENT as CLIENT_BINARY } from "../../scripts/lib/binaries.ts";

const CLIENT = new URL("../../client.ts", import.meta.url).pathname;

/** A server whose `say`s are never answered by itself: `held()` gives the waiting one. */
function holdingServer() {
  const said = Promise.withResolvers<{ conn: FakeConnection; request: Request }>();
  const joins: string[] = [];
  const server = FakeServer.start(async (conn) => {
    await conn.welcome({ maxServerFrame: 1_048_576 }, { features: ["action"] });
    const rooms = [{ name: "general", topic: "", members: ["bob"] }];
    for await (const request of conn.served()) {
      switch (request.type) {
        case "login":
          await conn.ok(request, { user: request.user, rooms, roomsMore: false, token: "t" });
          break;
        case "rooms":
          await conn.ok(request, { rooms, more: false });
          break;
        case "join":
          joins.push(String(request.room));
          await conn.ok(request, {
            room: request.room,
            topic: "",
            members: ["ann"],
            history: [],
            more: false,
          });
          break;
        case "say":
          said.resolve({ conn, request });
          break;
        case "logout":
          await conn.ok(request);
          conn.close();
          return;
        default:
          await conn.ok(request);
      }
    }
  });
  return { server, held: () => said.promise, joins };
}

async function started(port: number, plain: boolean): Promise<TmuxTerminal> {
  const term = await TmuxTerminal.start(
    [
      Deno.execPath(),
      "run",
      ...CLIENT_BINARY.permissions,
      CLIENT,
      `127.0.0.1:${port}`,
      "--user",
      "ann",
      "--room",
      "general",
      ...(plain ? ["--plain"] : []),
    ],
    {},
    { columns: 100, rows: 24 },
  );
  await term.waitFor("Password:");
  await term.line("any password");
  await term.waitFor("Joined general");
  return term;
}

for (
  const [plain, code] of [[false, "muted"], [true, "muted"], [false, "not_in_room"]] as const
) {
  Deno.test(
    `quit: a ${code} refusal that comes while /quit waits is said with the text (${
      plain ? "line mode" : "full screen, after the window closes"
    })`,
    async () => {
      const { server, held, joins } = holdingServer();
      const term = await started(server.port, plain);
      try {
        await term.line("my precious words");
        const { conn, request } = await held();
        await term.keys("C-c");
        await term.waitFor("Waiting for the server to confirm 1 message");
        if (code === "muted") {
          const until = new Date(Date.now() + 3_600_000).toISOString();
          await conn.send({ type: "error", id: request.id, code, message: "Muted.", until });
        } else {
          await conn.error(request, code);
        }
        const end = await term.waitFor("EXIT=0");
        assert.match(end, /Not sent: my precious words/, end);
        assert.match(end, code === "muted" ? /You are muted until/ : /not in/i, end);
        assert.doesNotMatch(end, /back in the input|press Enter to send/, end);
        assert.deepEqual(joins, ["general"], "nothing joined again while quitting");
      } finally {
        await term.close();
        await server.close();
      }
    },
  );
}
