/**
 * fastchat-server: parses the configuration, starts the server (`lib/app/start.ts`), and
 * stops it on SIGINT/SIGTERM. Everything else lives in `lib/`.
 */
import denoJson from "./deno.json" with { type: "json" };
import { ADMIN_CSS, ADMIN_HTML, ADMIN_JS } from "./admin_ui/bundle.gen.ts";
import { ConfigError, parseServerConfig, SERVER_ENV, serverHelp } from "./lib/app/config.ts";
import { onStopSignals } from "./lib/app/signals.ts";
import { resetAdminPasswordOf, start } from "./lib/app/start.ts";

const VERSION = denoJson.version;

async function main(): Promise<number> {
  let config;
  try {
    // Only the FastChat variables of the environment are read.
    const env = Object.fromEntries(SERVER_ENV.map((name) => [name, Deno.env.get(name)]));
    config = parseServerConfig(Deno.args, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`fastchat-server: ${error.message} (see --help)`);
      return 2;
    }
    throw error;
  }
  if (config.help) {
    console.log(serverHelp(VERSION));
    return 0;
  }
  if (config.version) {
    console.log(`fastchat-server ${VERSION}`);
    return 0;
  }
  const started = config.resetAdminPassword ? await resetAdminPasswordOf(config) : await start({
    settings: config,
    version: VERSION,
    adminAssets: { html: ADMIN_HTML, js: ADMIN_JS, css: ADMIN_CSS },
    adminPassword: config.adminPassword,
    adminToken: config.adminToken,
  });
  if (started !== null && "error" in started) {
    console.error(`fastchat-server: ${started.error}`);
    return 2;
  }
  if (started === null) return 0;
  const removeSignals = onStopSignals(() => void started.stop());
  await started.finished;
  removeSignals();
  return 0;
}

Deno.exit(await main());
