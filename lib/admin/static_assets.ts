/**
 * The admin page's files. `lib/admin` does not import the page (it is built above it, in
 * `admin_ui/`): the app passes the embedded bundle (`admin_ui/bundle.gen.ts`) in.
 */
import { SECURITY_HEADERS } from "./http.ts";

/** The page's three files, as `admin_ui/build.ts` embeds them. */
export interface AdminAssets {
  html: string;
  js: string;
  css: string;
}

/** Answers a request for a page file: the response, or null when `path` names none. */
export type AssetServer = (path: string, method: string) => Response | null;

/** The page allows its own script, styles and API only: no inline script, no framing. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Serves `assets` at `/`, `/index.html`, `/app.js` and `/app.css`; nothing when null. */
export function assetServer(assets: AdminAssets | null): AssetServer {
  const html = "text/html; charset=utf-8";
  const files: ReadonlyMap<string, { body: string; type: string }> = new Map(
    assets === null ? [] : [
      ["/", { body: assets.html, type: html }],
      ["/index.html", { body: assets.html, type: html }],
      ["/app.js", { body: assets.js, type: "text/javascript; charset=utf-8" }],
      ["/app.css", { body: assets.css, type: "text/css; charset=utf-8" }],
    ],
  );
  return (path, method) => {
    const file = files.get(path);
    if (!file || (method !== "GET" && method !== "HEAD")) return null;
    return new Response(method === "HEAD" ? null : file.body, {
      headers: {
        ...SECURITY_HEADERS,
        "content-type": file.type,
        "content-security-policy": CONTENT_SECURITY_POLICY,
      },
    });
  };
}
