import { CLIENT, SERVER } from "../../scripts/lib/binaries.ts";
import { fromSource, smoke } from "../../scripts/smoke.ts";

// The release workflow runs this same smoke check on the compiled Linux binaries; here it
// runs server.ts and client.ts with `deno run` and exactly the binaries' permissions.
Deno.test("smoke run from source with the binaries' exact permissions: version, admin page, one message round-trips, clean stop", async () => {
  await smoke(fromSource(SERVER), fromSource(CLIENT));
});
