/** The admin side of the server: the HTTP handler and the admin password's life cycle. */
export {
  type AdminHandler,
  type AdminHandlerOptions,
  type AdminRequestInfo,
  createAdminHandler,
} from "./handler.ts";
export {
  ADMIN_PASSWORD_SETTING,
  ADMIN_USER,
  type AdminPasswordSource,
  ensureAdminPassword,
  GENERATED_PASSWORD_PREFIX,
  resetAdminPassword,
  type SettingsStore,
} from "./password_setup.ts";
export { type AdminAssets } from "./static_assets.ts";
