/** The login form. */
import { useSignal } from "@preact/signals";
import { api, ApiError } from "../api.ts";
import { auth, notice } from "../state.ts";

/** Asks for the admin name and password. */
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
      notice.value = null;
      auth.value = "in";
    } catch (e) {
      error.value = e instanceof ApiError ? e.message : String(e);
    } finally {
      busy.value = false;
    }
  };
  return (
    <main class="login">
      <form class="card" onSubmit={submit}>
        <h1>FastChat admin</h1>
        <label>
          User
          <input
            name="user"
            autocomplete="username"
            value={user}
            onInput={(e) => (user.value = e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => (password.value = e.currentTarget.value)}
          />
        </label>
        {error.value && <p class="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy}>Log in</button>
      </form>
    </main>
  );
}
