/** The admin page's files, embedded at build time (`admin_ui/bundle.gen.ts`). */
import { ADMIN_CSS, ADMIN_HTML, ADMIN_JS } from "../../admin_ui/bundle.gen.ts";
import { SECURITY_HEADERS } from "./http.ts";

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

const FILES: Record<string, { body: string; type: string }> = {
  "/": { body: ADMIN_HTML, type: "text/html; charset=utf-8" },
  "/index.html": { body: ADMIN_HTML, type: "text/html; charset=utf-8" },
  "/app.js": { body: ADMIN_JS, type: "text/javascript; charset=utf-8" },
  "/app.css": { body: ADMIN_CSS, type: "text/css; charset=utf-8" },
};

/** The response for a page file, or null when `path` names none. */
export function staticAsset(path: string, method: string): Response | null {
  const file = FILES[path];
  if (!file || (method !== "GET" && method !== "HEAD")) return null;
  return new Response(method === "HEAD" ? null : file.body, {
    headers: {
      ...SECURITY_HEADERS,
      "content-type": file.type,
      "content-security-policy": CONTENT_SECURITY_POLICY,
    },
  });
}
