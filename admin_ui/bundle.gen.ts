// Placeholder until admin_ui/build.ts runs.
/** The page's HTML. */
export const ADMIN_HTML = "";
/** The page's script. */
export const ADMIN_JS = "";
/** The page's styles. */
export const ADMIN_CSS = "";
