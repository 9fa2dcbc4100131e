/**
 * An audit entry in words of the page's language: the API writes its action names
 * (`mute`, `staff_grant`) and details (`{"until","reason"}`) in English, for scripts; the page
 * names the actions it knows and each detail it knows, and shows anything else as written.
 */
import type { AuditView } from "../../lib/admin/api_types.ts";
import { clock } from "./format.ts";
import { isKey, t } from "./i18n.ts";

/** The action's name (`mute` → "Mise en sourdine"); an unknown action as the API wrote it. */
export function auditAction(action: string): string {
  const key = `audit.action.${action}`;
  return isKey(key) ? t(key) : action;
}

/** What the action was applied to: a report's id reads "report 3"; anything else as is. */
export function auditTarget(entry: Pick<AuditView, "action" | "target">): string | null {
  if (entry.target === null) return null;
  return entry.action.startsWith("report_")
    ? t("audit.target.report", { id: entry.target })
    : entry.target;
}

/** A role as the API names it, in words (an unknown one as written). */
function role(value: unknown): string {
  return value === "admin" || value === "moderator" ? t(`role.${value}`) : String(value);
}

/** One `key: value` of a detail, in words. */
function part(key: string, value: unknown, now: number): string {
  const text = String(value);
  switch (key) {
    case "until":
      return t("audit.until", { when: clock(text, now) });
    case "role":
      return t("audit.detail.role", { role: role(value) });
    case "previous":
      return t("audit.detail.previous", { role: role(value) });
    case "removed":
      return text === "deleted" || text === "missing" ? t(`audit.detail.removed.${text}`) : text;
    case "seconds":
    case "closed":
    case "delay":
      return typeof value === "number" ? t(`audit.detail.${key}`, { n: value }) : text;
    case "scope":
      return text === "instance" || text === "cluster" ? t(`audit.detail.scope.${text}`) : text;
    case "along":
      return t("audit.detail.along", { id: text });
    case "note":
      return text === "none was active" ? t("audit.detail.noneActive") : text;
    case "reason":
    case "room":
    case "user":
    case "topic":
    case "message":
    case "msgid":
    case "id":
      return t(`audit.detail.${key}`, { value: text });
    default:
      return `${key} ${text}`;
  }
}

/**
 * An audit detail in words: JSON objects (`{"until","reason"}`) part by part, empty parts
 * left out; any other text as written.
 */
export function auditDetail(detail: string, now: number): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return detail;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return detail;
  return Object.entries(parsed as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== "")
    .map(([key, v]) => part(key, v, now))
    .join(" · ");
}
