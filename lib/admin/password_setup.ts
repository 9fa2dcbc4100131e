/**
 * The admin password's life cycle: taken from `FASTCHAT_ADMIN_PASSWORD` when set,
 * otherwise generated on first start and printed once. Only its hash is ever stored.
 */
import { hashPassword, verifyPassword } from "../auth/password.ts";

/** The part of the `Store` that keeps the admin password hash. */
export interface SettingsStore {
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string): Promise<void>;
}

/** The settings key holding the admin password hash. */
export const ADMIN_PASSWORD_SETTING = "admin_password_hash";

/** The one admin account's name. */
export const ADMIN_USER = "admin";

/** The start of the line that shows a generated password (the password follows). */
export const GENERATED_PASSWORD_PREFIX = "fastchat admin password (shown once, stored hashed): ";

/** Where the admin password in force came from. */
export type AdminPasswordSource = "environment" | "stored" | "generated";

/**
 * Makes sure an admin password hash is stored. With `envPassword` (the value of
 * `FASTCHAT_ADMIN_PASSWORD`), that password is used and its hash stored. Without it, a
 * stored hash is kept; when there is none, a strong password is generated, passed to
 * `print` once, and only its hash stored.
 */
export async function ensureAdminPassword(
  settings: SettingsStore,
  envPassword: string | null,
  print: (line: string) => void,
): Promise<AdminPasswordSource> {
  const stored = await settings.getSetting(ADMIN_PASSWORD_SETTING);
  if (envPassword) {
    if (!stored || !(await verifyPassword(stored, envPassword))) {
      await settings.setSetting(ADMIN_PASSWORD_SETTING, await hashPassword(envPassword));
    }
    return "environment";
  }
  if (stored) return "stored";
  await resetAdminPassword(settings, print);
  return "generated";
}

/** Generates a new admin password, stores its hash, and passes it to `print` once. */
export async function resetAdminPassword(
  settings: SettingsStore,
  print: (line: string) => void,
): Promise<void> {
  const password = generatePassword();
  await settings.setSetting(ADMIN_PASSWORD_SETTING, await hashPassword(password));
  print(GENERATED_PASSWORD_PREFIX + password);
}

/** A random password of 24 URL-safe characters (144 bits). */
export function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}
