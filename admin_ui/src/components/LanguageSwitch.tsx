/**
 * The EN/FR switch: one button per language, the current one pressed. The choice is
 * remembered in this browser (see `i18n.ts`).
 */
import { LANGUAGES } from "../../../lib/i18n/mod.ts";
import { language, setLanguage, t } from "../i18n.ts";

/** Each language's own name, shown as the button's tooltip (not translated). */
const NAMES = { en: "English", fr: "Français" } as const;

/** The language switch. */
export function LanguageSwitch() {
  return (
    <div class="lang-switch" role="group" aria-label={t("app.language")} data-testid="lang">
      {LANGUAGES.map((lang) => (
        <button
          type="button"
          key={lang}
          lang={lang}
          title={NAMES[lang]}
          class={language.value === lang ? "small on" : "small"}
          aria-pressed={language.value === lang}
          onClick={() => setLanguage(lang)}
        >
          {lang.toUpperCase()}
        </button>
      ))}
    </div>
  );
}
