/**
 * Catalogs: one TypeScript module per part and language (`catalogs/client.fr.ts`), each a
 * flat object from a key to an ICU MessageFormat string (`{count, plural, one {…} other {…}}`,
 * `{name}`). Modules, not files read at run time, so `deno compile` embeds them and the
 * compiler checks that every language has the keys of the English one.
 */
import type { Language } from "./languages.ts";

/** One catalog: key → ICU message. */
export type Catalog<K extends string = string> = Readonly<Record<K, string>>;

/** The catalogs of one part (client, server, admin) in every language. */
export type CatalogSet<K extends string = string> = Readonly<Record<Language, Catalog<K>>>;

/** The keys of a catalog (the English one is the reference). */
export type KeyOf<C> = Extract<keyof C, string>;
