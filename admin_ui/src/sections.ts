/** The page's sections and the one shown, kept in the address (`#accounts`). */
import { signal } from "@preact/signals";

/** The sections, in navigation order. */
export const SECTIONS = [
  "users",
  "accounts",
  "rooms",
  "messages",
  "reports",
  "sanctions",
  "audit",
  "staff",
  "server",
] as const;

/** A section's id (its name is the catalog's `nav.<id>`). */
export type SectionId = (typeof SECTIONS)[number];

function fromHash(): SectionId {
  const id = globalThis.location?.hash.slice(1) ?? "";
  return SECTIONS.find((s) => s === id) ?? "users";
}

/** The section shown. */
export const section = signal<SectionId>(fromHash());

globalThis.addEventListener?.("hashchange", () => (section.value = fromHash()));
