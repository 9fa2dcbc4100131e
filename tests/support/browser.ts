/**
 * The one way the tests start Chromium (Debian's, driven by playwright-core): the flags of
 * DEVELOPERS.md, a persistent context on a fresh profile directory that `close()` removes,
 * one page with a 15 s hang guard that records the page's script errors. Also the admin
 * page's screenshot and section helpers the browser tests share.
 */
import { chromium, type Page } from "../deps/playwright_core.ts";

/** Debian's Chromium binary itself (the `chromium` wrapper script prints a warning). */
const CHROMIUM = "/usr/lib/chromium/chromium";
const ARTIFACTS = new URL("../../test-artifacts/admin/", import.meta.url).pathname;
/** Longest wait of one page action (a hang guard, not a timing check). */
const PAGE_TIMEOUT_MS = 15_000;
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

type Context = Awaited<ReturnType<typeof chromium.launchPersistentContext>>;

/** How to open the browser. */
export interface BrowserOptions {
  /** The browser's language (`--lang` and playwright's `locale`), e.g. `"fr-FR"`. */
  locale?: string;
  /** The window size; 1280x900 unless said. */
  viewport?: { width: number; height: number };
}

/** A running Chromium with its first page. */
export interface Browser {
  /** The persistent context (its own profile, so its own cookies). */
  context: Context;
  /** The first page, its default timeout set. */
  page: Page;
  /** Messages of the uncaught script errors of `page`, in order. */
  pageErrors: string[];
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/** Starts Chromium on a fresh profile directory; `close()` it in a `finally`. */
export async function openBrowser(options: BrowserOptions = {}): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "fastchat-chromium-" });
  const removeProfile = () => Deno.remove(profile, { recursive: true }).catch(() => {});
  let context: Context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: options.locale ? [...FLAGS, `--lang=${options.locale}`] : FLAGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
      ...(options.locale ? { locale: options.locale } : {}),
    });
  } catch (error) {
    await removeProfile();
    throw error;
  }
  const close = async () => {
    await context.close();
    await removeProfile();
  };
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(PAGE_TIMEOUT_MS);
    return { context, page, pageErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Saves a full-page screenshot as `test-artifacts/admin/<name>.png`. */
export async function shot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** Opens a section of the admin page from its navigation bar and waits for its heading. */
export async function openSection(page: Page, label: string): Promise<void> {
  await page.getByRole("navigation", { name: "Sections" })
    .getByRole("link", { name: label, exact: true }).click();
  await page.locator(`h2[id$="-title"]`).first().waitFor();
}
