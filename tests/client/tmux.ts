/**
 * Drives a program in a real terminal: a tmux session on a private tmux server, keys sent
 * with `send-keys`, the screen read with `capture-pane`.
 */

/** Longest wait for something to appear on screen (a hang guard, not a timing check). */
const WAIT_MS = 20_000;

async function _tmux(socket: string, args: string[]): Promise<string> {
  const result = await new Deno.Command("tmux", { args: ["-L", socket, ...args] }).output();
  if (!result.success) {
    throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(result.stderr)}`);
  }
  return new TextDecoder().decode(result.stdout);
}

function _quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** One terminal running one command. */
export class TmuxTerminal {
  readonly #socket: string;
  readonly #target = "t";

  private constructor(socket: string) {
    this.#socket = socket;
  }

  /**
   * Starts `command` in a fresh terminal (120x40 unless `size` says otherwise); after it
   * exits the screen shows `EXIT=<code>`.
   */
  static async start(
    command: string[],
    env: Record<string, string> = {},
    size: { columns: number; rows: number } = { columns: 120, rows: 40 },
  ): Promise<TmuxTerminal> {
    const socket = `fastchat-test-${crypto.randomUUID().slice(0, 8)}`;
    const exports = Object.entries(env).map(([k, v]) => `${k}=${_quote(v)}`).join(" ");
    const line = `${exports} ${command.map(_quote).join(" ")}; echo EXIT=$?; sleep 600`;
    await _tmux(socket, [
      "new-session",
      "-d",
      "-s",
      "t",
      "-x",
      String(size.columns),
      "-y",
      String(size.rows),
      line,
    ]);
    return new TmuxTerminal(socket);
  }

  /** Resizes the terminal (the program gets SIGWINCH). */
  async resize(columns: number, rows: number): Promise<void> {
    await _tmux(this.#socket, [
      "resize-window",
      "-t",
      this.#target,
      "-x",
      String(columns),
      "-y",
      String(rows),
    ]);
  }

  /** The cursor position (0-based column and row of the visible screen). */
  async cursor(): Promise<{ x: number; y: number }> {
    const text = await _tmux(this.#socket, [
      "display-message",
      "-p",
      "-t",
      this.#target,
      "#{cursor_x} #{cursor_y}",
    ]);
    const [x, y] = text.trim().split(" ").map(Number);
    return { x: x!, y: y! };
  }

  /**
   * Waits until the cursor is at column `x` (and row `y` when given); returns where it is.
   * The client moves the cursor after drawing the row, so one read may come too early.
   */
  async cursorAt(x: number, y?: number): Promise<{ x: number; y: number }> {
    const deadline = Date.now() + WAIT_MS;
    let at = await this.cursor();
    while ((at.x !== x || (y !== undefined && at.y !== y)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      at = await this.cursor();
    }
    return at;
  }

  /** The visible screen only (no scrollback), one string per row, trailing spaces cut. */
  async rows(): Promise<string[]> {
    const text = await _tmux(this.#socket, ["capture-pane", "-p", "-t", this.#target]);
    return text.replace(/\n$/, "").split("\n").map((row) => row.trimEnd());
  }

  /** Process id of the shell running the command (the command is its child). */
  async shellPid(): Promise<number> {
    const text = await _tmux(this.#socket, [
      "display-message",
      "-p",
      "-t",
      this.#target,
      "#{pane_pid}",
    ]);
    return Number(text.trim());
  }

  /** The settings of the terminal device (`stty -a`), e.g. to tell raw from cooked mode. */
  async stty(): Promise<string> {
    const tty =
      (await _tmux(this.#socket, ["display-message", "-p", "-t", this.#target, "#{pane_tty}"]))
        .trim();
    const result = await new Deno.Command("stty", { args: ["-a", "-F", tty] }).output();
    return new TextDecoder().decode(result.stdout);
  }

  /** Whether the program rang the bell (tmux's window bell flag). */
  async bellRang(): Promise<boolean> {
    const flag = await _tmux(this.#socket, [
      "display-message",
      "-p",
      "-t",
      this.#target,
      "#{window_bell_flag}",
    ]);
    return flag.trim() === "1";
  }

  /** Pastes `text` as the terminal does (bracketed when the program asked for it). */
  async paste(text: string): Promise<void> {
    const name = `p${crypto.randomUUID().slice(0, 6)}`;
    await _tmux(this.#socket, ["set-buffer", "-b", name, text]);
    await _tmux(this.#socket, ["paste-buffer", "-p", "-d", "-b", name, "-t", this.#target]);
  }

  /** Sends named keys (`Enter`, `Down`, `C-c`…). */
  async keys(...keys: string[]): Promise<void> {
    await _tmux(this.#socket, ["send-keys", "-t", this.#target, ...keys]);
  }

  /** Types text literally. */
  async type(text: string): Promise<void> {
    await _tmux(this.#socket, ["send-keys", "-t", this.#target, "-l", text]);
  }

  /** Types a line and presses Enter. */
  async line(text: string): Promise<void> {
    await this.type(text);
    await this.keys("Enter");
  }

  /** The visible screen as text (`withEscapes`: with colour sequences). */
  async screen(withEscapes = false): Promise<string> {
    const args = ["capture-pane", "-p", "-t", this.#target, "-S", "-200"];
    if (withEscapes) args.push("-e");
    return await _tmux(this.#socket, args);
  }

  /** Waits until the screen contains `text` (or matches it); returns the screen. */
  async waitFor(text: string | RegExp): Promise<string> {
    const deadline = Date.now() + WAIT_MS;
    let screen = "";
    while (Date.now() < deadline) {
      screen = await this.screen();
      if (typeof text === "string" ? screen.includes(text) : text.test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Timed out waiting for ${text} on screen:\n${screen}`);
  }

  /** Kills the terminal and its tmux server, and removes the server's socket file. */
  async close(): Promise<void> {
    await _tmux(this.#socket, ["kill-server"]).catch(() => {});
    const dir = Deno.env.get("TMUX_TMPDIR") ?? "/tmp";
    await Deno.remove(`${dir}/tmux-${Deno.uid()}/${this.#socket}`).catch(() => {});
  }
}

/**
 * Waits until `check(rows)` holds on the visible screen and the screen is still the same
 * 100 ms later (a hang guard of 20 s); returns the rows. `what` names the awaited state in
 * the error.
 */
export async function settle(
  term: TmuxTerminal,
  what: string,
  check: (rows: string[]) => boolean,
): Promise<string[]> {
  const deadline = Date.now() + WAIT_MS;
  let rows: string[] = [];
  let held: string | null = null;
  while (Date.now() < deadline) {
    rows = await term.rows();
    if (check(rows)) {
      // The client redraws a row in more than one write: a capture may fall between them.
      // The state counts once two captures 100 ms apart agree.
      const shown = rows.join("\n");
      if (held === shown) return rows;
      held = shown;
    } else {
      held = null;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const state = held === null ? "" : " (reached, but the screen kept changing)";
  throw new Error(`Timed out waiting for ${what}${state}:\n${rows.join("\n")}`);
}
