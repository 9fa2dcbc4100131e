/**
 * One load-generator connection: sets itself up with parsed JSON (login, join), then reads
 * deliveries by scanning bytes, tracks their order and latency, and, as a sender, keeps
 * messages flowing within its window.
 */
import { FrameDecoder } from "../lib/protocol/frame_decoder.ts";
import { MAX_SERVER_FRAME } from "../lib/protocol/limits.ts";
import { Histogram } from "./histogram.ts";
import { makePayload, nowMicros, type Payload, readPayload } from "./payload.ts";
import type { ClientSpec, Target } from "./plan.ts";
import { SequenceTracker } from "./sequence_tracker.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Byte 9 of `{"type":"…`: tells replies from events without parsing. */
const TYPE_AT = 9;
const O = 0x6f;
const E = 0x65;
const K = 0x6b;
const R = 0x72;

/** Measurements shared by every client of a worker. */
export class WorkerTotals {
  readonly latency = new Histogram();
  readonly perSender = new Map<number, number>();
  deliveries = 0;
  firstDelivery = 0;
  lastDelivery = 0;
  lastAck = 0;
  errors: Record<string, number> = {};
  dropped = 0;
  duplicates = 0;
  reordered = 0;

  countError(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }
}

/** Sender state; `window` bounds `sent - acked - refused`. */
export interface SenderState {
  id: number;
  sent: number;
  acked: number;
  refused: number;
  behind: number;
}

/** A connection of the load generator. */
export class BenchClient {
  readonly spec: ClientSpec;
  readonly sender: SenderState | null;
  #target: Target;
  #conn: Deno.TcpConn;
  #totals: WorkerTotals;
  #tracker = new SequenceTracker();
  /** Read buffer; lines are split by the server's own decoder, which keeps unfinished ones. */
  #buffer: Uint8Array;
  #lines = new FrameDecoder(MAX_SERVER_FRAME);
  /** Parsed frames wanted during set-up: resolvers by request id (0 = the welcome). */
  #waiting = new Map<number, PromiseWithResolvers<Record<string, unknown>>>();
  #nextId = 1;
  #running = false;
  #closed = false;
  #writeQueue: string[] = [];
  #writing = false;
  #payload: Payload = { sender: 0, seq: 0, sentAt: 0 };
  #textSize: number;
  /** Called after each read while running (a sender's chance to top up). */
  onRead: (() => void) | null = null;

  constructor(
    spec: ClientSpec,
    conn: Deno.TcpConn,
    options: { target: Target; totals: WorkerTotals; textSize: number },
  ) {
    this.spec = spec;
    this.#conn = conn;
    this.#target = options.target;
    this.#totals = options.totals;
    this.#textSize = options.textSize;
    this.sender = spec.sender === null
      ? null
      : { id: spec.sender, sent: 0, acked: 0, refused: 0, behind: 0 };
    // Idle connections only ever read a welcome: a small buffer keeps 20,000 of them cheap.
    this.#buffer = new Uint8Array(spec.room === null ? 2048 : 32 * 1024);
    void this.#readLoop();
  }

  /** Messages sent and neither acknowledged nor refused. */
  get inFlight(): number {
    const s = this.sender;
    return s === null ? 0 : s.sent - s.acked - s.refused;
  }

  /** Waits for the server's first frame (FastChat greets; the relay does not). */
  async welcome(): Promise<void> {
    if (this.#target === "relay") return;
    await this.#expect(0);
  }

  /** Logs in (FastChat only). */
  async login(password: string): Promise<void> {
    if (this.#target === "relay") return;
    await this.request({ type: "login", user: this.spec.user, password });
  }

  /** Joins the client's room. */
  async join(): Promise<void> {
    if (this.spec.room === null) return;
    await this.request({ type: "join", room: this.spec.room });
  }

  /** Sends a request and waits for its `ok`; throws with the server's message otherwise. */
  async request(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const reply = this.#expect(id);
    this.#write(JSON.stringify({ ...frame, id }) + "\n");
    const answer = await reply;
    if (answer.type !== "ok") {
      throw new Error(
        `${String(frame.type)} as ${this.spec.user} failed: ${JSON.stringify(answer)}`,
      );
    }
    return answer;
  }

  /** Switches to the measuring mode: no more set-up replies are expected. */
  startRun(): void {
    this.#running = true;
  }

  /** Queues `count` messages in one write. */
  sendMessages(count: number): void {
    const s = this.sender;
    if (s === null || count <= 0 || this.#closed) return;
    const sentAt = nowMicros();
    let batch = "";
    for (let i = 0; i < count; i++) {
      const text = makePayload(s.id, s.sent++, sentAt, this.#textSize);
      batch += this.#target === "fastchat"
        ? `{"type":"say","id":${this.#nextId++},"room":${
          JSON.stringify(this.spec.room)
        },"text":"${text}"}\n`
        : this.#relayFrame(s.sent, text);
    }
    this.#write(batch);
  }

  /** A frame shaped like FastChat's `message` event, which the relay passes on as is. */
  #relayFrame(seq: number, text: string): string {
    const msgid = String(seq).padStart(16, "0");
    return `{"type":"message","msgid":"${msgid}","room":${
      JSON.stringify(this.spec.room)
    },"user":"${this.spec.user}","text":"${text}","ts":"${new Date().toISOString()}"}\n`;
  }

  /** Closes the connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // Closed by the server already.
    }
  }

  #expect(id: number): Promise<Record<string, unknown>> {
    const waiter = Promise.withResolvers<Record<string, unknown>>();
    this.#waiting.set(id, waiter);
    return waiter.promise;
  }

  #write(text: string): void {
    this.#writeQueue.push(text);
    if (!this.#writing) {
      this.#writing = true;
      queueMicrotask(() => void this.#pump());
    }
  }

  async #pump(): Promise<void> {
    try {
      while (this.#writeQueue.length > 0 && !this.#closed) {
        const bytes = encoder.encode(this.#writeQueue.join(""));
        this.#writeQueue = [];
        let offset = 0;
        while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
      }
    } catch {
      this.#lost();
    } finally {
      this.#writing = false;
    }
  }

  async #readLoop(): Promise<void> {
    try {
      while (true) {
        const n = await this.#conn.read(this.#buffer);
        if (n === null) break;
        if (!this.#chunk(this.#buffer.subarray(0, n))) break;
        this.onRead?.();
      }
    } catch {
      // Reset by the peer or closed by us: handled below.
    }
    this.#lost();
  }

  #lost(): void {
    if (!this.#closed) this.#totals.dropped++;
    this.#closed = true;
    for (const waiter of this.#waiting.values()) {
      waiter.reject(new Error(`The server closed the connection of ${this.spec.user}`));
    }
    this.#waiting.clear();
  }

  /** Handles the lines `chunk` completes; false for a frame over the contract's limit. */
  #chunk(chunk: Uint8Array): boolean {
    const now = nowMicros();
    const items = this.#lines.push(chunk);
    // An indexed loop: measurably cheaper per line than for-of on this hot path.
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.kind === "too_large") return false;
      this.#line(item.bytes, now);
    }
    return true;
  }

  #line(line: Uint8Array, now: number): void {
    const first = line[TYPE_AT];
    const isOk = first === O && line[TYPE_AT + 1] === K;
    const isError = first === E && line[TYPE_AT + 1] === R;
    if (!this.#running || (isError && this.sender === null)) {
      if (isOk || isError || this.#waiting.has(0)) this.#setupFrame(line);
      else this.#delivery(line, now);
      return;
    }
    if (isOk) {
      if (this.sender !== null) {
        this.sender.acked++;
        this.#totals.lastAck = now;
      }
      return;
    }
    if (isError) {
      const frame = JSON.parse(decoder.decode(line)) as { code?: string };
      this.sender!.refused++;
      this.#totals.countError(String(frame.code));
      return;
    }
    this.#delivery(line, now);
  }

  #setupFrame(line: Uint8Array): void {
    const frame = JSON.parse(decoder.decode(line)) as Record<string, unknown>;
    const id = typeof frame.id === "number" ? frame.id : 0;
    const waiter = this.#waiting.get(id);
    if (waiter) {
      this.#waiting.delete(id);
      waiter.resolve(frame);
    } else if (frame.type === "error") {
      this.#totals.countError(String(frame.code));
    }
  }

  #delivery(line: Uint8Array, now: number): void {
    const p = this.#payload;
    if (!readPayload(line, p)) return;
    const totals = this.#totals;
    if (!this.#tracker.arrive(p.sender, p.seq)) {
      totals.duplicates++;
      return;
    }
    totals.deliveries++;
    totals.perSender.set(p.sender, (totals.perSender.get(p.sender) ?? 0) + 1);
    totals.latency.record(now - p.sentAt);
    if (totals.firstDelivery === 0) totals.firstDelivery = now;
    totals.lastDelivery = now;
    if (this.#target === "relay" && this.sender !== null && p.sender === this.sender.id) {
      // The relay acknowledges nothing: a sender's own copy coming back is its ack.
      this.sender.acked++;
      totals.lastAck = now;
    }
  }

  /** Reordered arrivals seen by this client (added to the totals at the end). */
  get reordered(): number {
    return this.#tracker.counts.reordered;
  }
}
