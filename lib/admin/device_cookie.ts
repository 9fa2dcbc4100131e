/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"). Every
 * local process shares 127.0.0.1 with the real admin, so a loop of wrong passwords keeps
 * that address throttled. A browser that once logged in successfully holds a signed,
 * long-lived device cookie; its login attempts are throttled on the cookie's own key, not
 * on the address's, so the flood does not reach it. The cookie proves nothing else: it is
 * no session and no password. It is an HMAC-SHA256 over the user, the issue time and a
 * random nonce, with a secret kept in the settings (created on first use).
 */
import type { Clock } from "../common/clock.ts";
import { cookieValue } from "./http.ts";
import type { SettingsStore } from "./password_setup.ts";

/** The device cookie's name. */
export const DEVICE_COOKIE = "fastchat_admin_device";
/** The settings key holding the device cookies' HMAC secret (hex). */
export const DEVICE_SECRET_SETTING = "admin_device_secret";
/** How long a device cookie is honoured: 180 days (renewed by each successful login). */
export const DEVICE_COOKIE_MAX_AGE_MS = 180 * 24 * 3_600_000;

const encoder = new TextEncoder();

/** Issues and checks device cookies. */
export class DeviceCookies {
  readonly #settings: SettingsStore;
  readonly #clock: Clock;
  #key: Promise<CryptoKey> | null = null;

  constructor(settings: SettingsStore, clock: Clock = Date.now) {
    this.#settings = settings;
    this.#clock = clock;
  }

  /** The `Set-Cookie` value of a fresh device cookie for `user`; null if no secret is at hand. */
  async issue(user: string): Promise<string | null> {
    const key = await this.#secret();
    if (!key) return null;
    const nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
    const payload = `${toBase64Url(user)}.${this.#clock()}.${nonce}`;
    const mac = hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(payload))));
    const maxAge = Math.floor(DEVICE_COOKIE_MAX_AGE_MS / 1000);
    return `${DEVICE_COOKIE}=${payload}.${mac}; Path=/api/login; Max-Age=${maxAge}; ` +
      "HttpOnly; SameSite=Strict";
  }

  /**
   * The throttle key of a valid, unexpired device cookie for `user` in the `Cookie` header,
   * or null (no cookie, a forged or expired one, another user's, or no secret at hand).
   */
  async keyOf(cookieHeader: string | null, user: string): Promise<string | null> {
    const value = cookieValue(cookieHeader, DEVICE_COOKIE);
    const parts = value?.split(".");
    if (!parts || parts.length !== 4) return null;
    const [name, issued, nonce, mac] = parts as [string, string, string, string];
    if (!/^\d{1,15}$/.test(issued) || !/^[0-9a-f]{32}$/.test(nonce)) return null;
    if (!/^[0-9a-f]{64}$/.test(mac) || name !== toBase64Url(user)) return null;
    const age = this.#clock() - Number(issued);
    if (age < 0 || age >= DEVICE_COOKIE_MAX_AGE_MS) return null;
    const key = await this.#secret();
    if (!key) return null;
    // `verify` compares in constant time.
    const ok = await crypto.subtle.verify(
      "HMAC",
      key,
      fromHex(mac),
      encoder.encode(`${name}.${issued}.${nonce}`),
    );
    return ok ? nonce : null;
  }

  /** The HMAC key, created and stored on first use; null while the store fails. */
  async #secret(): Promise<CryptoKey | null> {
    this.#key ??= this.#loadSecret();
    try {
      return await this.#key;
    } catch {
      this.#key = null; // Try again next time.
      return null;
    }
  }

  async #loadSecret(): Promise<CryptoKey> {
    let secret = await this.#settings.getSetting(DEVICE_SECRET_SETTING);
    if (!secret || !/^[0-9a-f]{64}$/.test(secret)) {
      secret = hex(crypto.getRandomValues(new Uint8Array(32)));
      await this.#settings.setSetting(DEVICE_SECRET_SETTING, secret);
    }
    return await crypto.subtle.importKey(
      "raw",
      fromHex(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function toBase64Url(text: string): string {
  const bytes = encoder.encode(text);
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replaceAll("=", "");
}
