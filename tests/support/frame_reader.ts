/**
 * Server frames out of a byte stream, for the test clients: the lines come from the
 * server's own splitter ({@linkcode FrameDecoder}), each parsed as JSON.
 */
import { FrameDecoder } from "../../lib/protocol/frame_decoder.ts";
import { MAX_SERVER_FRAME } from "../../lib/protocol/limits.ts";

/** A frame received from the server. */
export type Frame = Record<string, unknown> & { type: string };

/** Turns chunks of a server's output into frames. */
export class FrameReader {
  #lines = new FrameDecoder(MAX_SERVER_FRAME);
  #text = new TextDecoder();

  /**
   * The frames `chunk` completes, in order.
   *
   * @throws {Error} for a line over `MAX_SERVER_FRAME` bytes or a line that is not JSON:
   * both break the contract, and a test must see it.
   */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    for (const item of this.#lines.push(chunk)) {
      if (item.kind === "too_large") {
        throw new Error(`The server sent a frame over ${MAX_SERVER_FRAME} bytes`);
      }
      frames.push(JSON.parse(this.#text.decode(item.bytes)) as Frame);
    }
    return frames;
  }
}
