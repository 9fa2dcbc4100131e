/**
 * Reads a Server-Sent Events stream (the admin live feed) as text for tests: waits until a
 * pattern shows, and fails after a deadline instead of hanging when it never does.
 */
export class SseText {
  /** Everything read so far (a test may clear it to look at what comes next). */
  text = "";
  #reader: ReadableStreamDefaultReader<string>;

  constructor(body: ReadableStream<Uint8Array<ArrayBuffer>>) {
    this.#reader = body.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** Reads until `pattern` matches {@linkcode text}; throws after `ms` or at the end. */
  async until(pattern: RegExp, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(this.text)) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no ${pattern} within ${ms} ms: ${this.text}`)),
          Math.max(0, deadline - Date.now()),
        );
      });
      try {
        const { value, done } = await Promise.race([this.#reader.read(), late]);
        if (done) throw new Error(`stream ended before ${pattern}: ${this.text}`);
        this.text += value;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** Whether the stream ends with the next read (anything read is added to the text). */
  async ended(): Promise<boolean> {
    const { value, done } = await this.#reader.read();
    if (!done) this.text += value;
    return done;
  }

  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}
