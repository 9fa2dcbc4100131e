/**
 * The i18n core shared by the client, the server's own texts and the admin page: language
 * negotiation, catalogs as modules, and a translator (ICU plurals, `Intl` dates). Imports
 * only npm packages and `lib/common/`.
 */
export * from "./catalog.ts";
export * from "./languages.ts";
export * from "./translator.ts";
