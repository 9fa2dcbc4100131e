/** The login form. */
import { useSignal } from "@preact/signals";
import { api, describeError } from "../api.ts";
import { t } from "../i18n.ts";
import { LanguageSwitch } from "./LanguageSwitch.tsx";
import { auth, loginReason } from "../state.ts";

/** Asks for a staff member's chat name and password (or `admin`'s). */
export function Login() {
  const user = useSignal("admin");
  const password = useSignal("");
  const error = useSignal("");
  const busy = useSignal(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    busy.value = true;
    error.value = "";
    try {
      await api("POST", "/api/login", { user: user.value, password: password.value });
      password.value = "";
      loginReason.value = null;
      auth.value = "in";
    } catch (e) {
      error.value = describeError(e);
    } finally {
      busy.value = false;
    }
  };
  return (
    <main class="login">
      <form class="card" onSubmit={submit}>
        <div class="login-head">
          <h1>{t("app.title")}</h1>
          <LanguageSwitch />
        </div>
        {loginReason.value && <p class="muted" role="status">{t(`login.${loginReason.value}`)}</p>}
        <label>
          {t("login.user")}
          <input
            name="user"
            autocomplete="username"
            value={user}
            onInput={(e) => (user.value = e.currentTarget.value)}
          />
        </label>
        <label>
          {t("login.password")}
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => (password.value = e.currentTarget.value)}
          />
        </label>
        {error.value && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>{t("login.submit")}</button>
      </form>
    </main>
  );
}
