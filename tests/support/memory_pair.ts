/**
 * An in-memory duplex connection pair with socket-like semantics, for running the real chat
 * server without a socket: each end reads what the other wrote, in order, in chunks that
 * may split or merge writes (like TCP); a write waits while the other end has more than
 * {@linkcode PIPE_CAPACITY} bytes unread (back-pressure, like a socket buffer); `close`
 * ends both directions (the peer reads end of input, later writes fail), `closeWrite` only
 * this end's direction (a half-close).
 */

/** Bytes one direction holds unread before a write waits (a socket buffer's order). */
export const PIPE_CAPACITY = 256 * 1024;

/** One direction of a pair: a bounded byte queue with one reader. */
class Pipe {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  /** The writer ended (end of input after the queued bytes). */
  #ended = false;
  /** The reader went away (writes fail, reads fail). */
  #broken = false;
  #readable: (() => void) | null = null;
  #writable: (() => void)[] = [];

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#bytes === 0) {
      if (this.#broken) throw new Deno.errors.BadResource("The connection is closed.");
      if (this.#ended) return null;
      await new Promise<void>((resolve) => this.#readable = resolve);
    }
    if (this.#broken) throw new Deno.errors.BadResource("The connection is closed.");
    let n = 0;
    while (n < buffer.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0]!;
      const take = Math.min(chunk.length, buffer.length - n);
      buffer.set(chunk.subarray(0, take), n);
      n += take;
      if (take === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(take);
    }
    this.#bytes -= n;
    if (this.#bytes < PIPE_CAPACITY) this.#wakeWriters();
    return n;
  }

  async write(bytes: Uint8Array): Promise<number> {
    while (this.#bytes >= PIPE_CAPACITY && !this.#broken && !this.#ended) {
      await new Promise<void>((resolve) => this.#writable.push(resolve));
    }
    if (this.#broken) throw new Deno.errors.BrokenPipe("The peer closed the connection.");
    if (this.#ended) throw new Deno.errors.BadResource("The connection is closed for writing.");
    // A copy: the caller may reuse its buffer once the write resolved, as with a socket.
    const n = Math.min(bytes.length, PIPE_CAPACITY);
    if (n === 0) return 0;
    this.#chunks.push(bytes.slice(0, n));
    this.#bytes += n;
    this.#wakeReader();
    return n;
  }

  /** The writer is done: the reader gets the queued bytes, then end of input. */
  end(): void {
    this.#ended = true;
    this.#wakeReader();
    this.#wakeWriters();
  }

  /** The reader is gone: queued bytes are dropped, reads and writes fail. */
  break(): void {
    this.#broken = true;
    this.#chunks = [];
    this.#bytes = 0;
    this.#wakeReader();
    this.#wakeWriters();
  }

  #wakeReader(): void {
    const wake = this.#readable;
    this.#readable = null;
    wake?.();
  }

  #wakeWriters(): void {
    const writers = this.#writable;
    this.#writable = [];
    for (const wake of writers) wake();
  }
}

/** Addresses of one end, shaped like `Deno.NetAddr`. */
export interface MemoryAddr {
  transport: "tcp";
  hostname: string;
  port: number;
}

/** One end of a {@linkcode memoryPair}: the byte methods of a `Deno.Conn`. */
export class MemoryConn {
  readonly localAddr: MemoryAddr;
  readonly remoteAddr: MemoryAddr;
  #in: Pipe;
  #out: Pipe;
  #closed = false;

  constructor(incoming: Pipe, outgoing: Pipe, local: MemoryAddr, remote: MemoryAddr) {
    this.#in = incoming;
    this.#out = outgoing;
    this.localAddr = local;
    this.remoteAddr = remote;
  }

  /** Reads into `buffer`; null at end of input; throws BadResource once closed locally. */
  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Closed locally."));
    return this.#in.read(buffer);
  }

  /** Writes some of `bytes` (waits while the peer has a full buffer); returns how many. */
  write(bytes: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Closed locally."));
    return this.#out.write(bytes);
  }

  /** Half-close: the peer reads end of input; this end can still read. */
  closeWrite(): Promise<void> {
    this.#out.end();
    return Promise.resolve();
  }

  /** Closes both directions. Throws BadResource when already closed, like a socket. */
  close(): void {
    if (this.#closed) throw new Deno.errors.BadResource("Already closed.");
    this.#closed = true;
    this.#out.end();
    this.#in.break();
  }

  /** Socket options the server sets: no meaning in memory. */
  setNoDelay(_noDelay?: boolean): void {}
  setKeepAlive(_keepAlive?: boolean): void {}
}

/**
 * Two connected ends: `client` as a test client holds it, `server` as the server accepts it
 * (its `remoteAddr` is `clientAddr`, the key of per-address limits).
 */
export function memoryPair(
  clientAddr: MemoryAddr = { transport: "tcp", hostname: "127.0.0.1", port: 0 },
  serverAddr: MemoryAddr = { transport: "tcp", hostname: "127.0.0.1", port: 0 },
): { client: MemoryConn; server: MemoryConn } {
  const up = new Pipe();
  const down = new Pipe();
  return {
    client: new MemoryConn(down, up, clientAddr, serverAddr),
    server: new MemoryConn(up, down, serverAddr, clientAddr),
  };
}

/**
 * A listener that accepts {@linkcode MemoryConn} ends: `dial` makes a pair, queues the
 * server end for `accept` and returns the client end. The methods `ChatServer.serve` uses
 * of a `Deno.Listener`.
 */
export class MemoryListener {
  readonly addr: MemoryAddr;
  #queue: MemoryConn[] = [];
  #waiter: PromiseWithResolvers<MemoryConn> | null = null;
  #closed = false;
  #nextPort = 40_000;

  constructor(port: number) {
    this.addr = { transport: "tcp", hostname: "127.0.0.1", port };
  }

  /** Connects from `hostname` (127.0.0.1 by default); throws once the listener is closed. */
  dial(hostname = "127.0.0.1"): MemoryConn {
    if (this.#closed) throw new Deno.errors.ConnectionRefused("The listener is closed.");
    const port = this.#nextPort++;
    const { client, server } = memoryPair({ transport: "tcp", hostname, port }, this.addr);
    if (this.#waiter) {
      this.#waiter.resolve(server);
      this.#waiter = null;
    } else {
      this.#queue.push(server);
    }
    return client;
  }

  /** The next connection; rejects with BadResource once closed. */
  accept(): Promise<MemoryConn> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Listener closed."));
    this.#waiter = Promise.withResolvers<MemoryConn>();
    return this.#waiter.promise;
  }

  /** Stops accepting; a pending `accept` rejects. */
  close(): void {
    if (this.#closed) throw new Deno.errors.BadResource("Listener already closed.");
    this.#closed = true;
    this.#waiter?.reject(new Deno.errors.BadResource("Listener closed."));
    this.#waiter = null;
    for (const conn of this.#queue) conn.close();
    this.#queue = [];
  }
}
