/**
 * The PROXY protocol (HAProxy's `send-proxy` and `send-proxy-v2`): the header a proxy in
 * TCP mode sends first on each connection it relays, naming the client behind it. Pure
 * parsing of version 1 (one text line of at most 107 bytes) and version 2 (binary: a
 * 16-byte head, the addresses, TLVs that are skipped), and a reader that takes the header
 * off a connection within a deadline and keeps the bytes that followed it in the same read.
 * The specification is HAProxy's `doc/proxy-protocol.txt`.
 *
 * Addresses are read by the caller's parser (`parseAddress` of
 * `lib/server/moderation/ip_network.ts`, a layer above this one), so that there is one
 * reading of IP addresses in the server.
 */
import type { ByteSource } from "./connection.ts";

/** An IP address as `ip_network.ts` reads it (an IPv4-mapped IPv6 address is IPv4). */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** Reads the text of an IP address; null when it is not one. */
export type AddressParser = (text: string) => IpAddress | null;

/** What a header says. */
export interface ProxyHeader {
  version: 1 | 2;
  /**
   * The client the proxy relays; null when the header names none (v1 `UNKNOWN`, v2 `LOCAL`
   * as in HAProxy's health checks, or a family other than TCP over IPv4/IPv6): the
   * connection's own endpoints apply.
   */
  source: { address: IpAddress; port: number } | null;
  /** The header's length in bytes: what follows belongs to the relayed connection. */
  length: number;
}

/** The outcome of {@linkcode parseProxyHeader} on the bytes received so far. */
export type ProxyHeaderParse =
  | { kind: "complete"; header: ProxyHeader }
  | { kind: "incomplete" }
  | { kind: "invalid"; reason: string };

/** The longest version 1 line, CRLF included (the specification's bound). */
export const MAX_V1_HEADER = 107;

/**
 * The most bytes a version 2 header may announce after its 16-byte head: the addresses
 * (at most 216, for AF_UNIX) and TLVs. HAProxy's own TLVs (ALPN, authority, unique id, SSL,
 * CRC) stay well below; the 16-bit length field would allow 64 KiB.
 */
export const MAX_V2_PAYLOAD = 2048;

/** The most bytes a header can take: the bound of what {@linkcode readProxyHeader} buffers. */
export const MAX_PROXY_HEADER = 16 + MAX_V2_PAYLOAD;

const V1_PREFIX = new TextEncoder().encode("PROXY ");
const V2_SIGNATURE = Uint8Array.of(
  0x0d,
  0x0a,
  0x0d,
  0x0a,
  0x00,
  0x0d,
  0x0a,
  0x51,
  0x55,
  0x49,
  0x54,
  0x0a,
);
const CR = 0x0d;
const LF = 0x0a;

/** Version 2 family/transport bytes the specification defines (others are invalid). */
const V2_FAMILIES = new Set([0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32]);
const V2_TCP4 = 0x11;
const V2_TCP6 = 0x21;

/** A decimal port without leading zeros (the specification forbids them). */
const PORT = /^(?:0|[1-9]\d{0,4})$/;

/** Whether `bytes` starts like `prefix`, as far as both go. */
function _startsLike(bytes: Uint8Array, prefix: Uint8Array): boolean {
  const n = Math.min(bytes.length, prefix.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * Parses the header at the start of `bytes` (everything received so far): complete (with
 * its length), incomplete (read more), or invalid with the reason in a few words. Never
 * throws; looks at no more than {@linkcode MAX_PROXY_HEADER} bytes.
 */
export function parseProxyHeader(
  bytes: Uint8Array,
  parseAddress: AddressParser,
): ProxyHeaderParse {
  if (bytes.length === 0) return { kind: "incomplete" };
  if (bytes[0] === V1_PREFIX[0]) return _parseV1(bytes, parseAddress);
  if (bytes[0] === V2_SIGNATURE[0]) return _parseV2(bytes);
  return { kind: "invalid", reason: "not a PROXY protocol header" };
}

function _parseV1(bytes: Uint8Array, parseAddress: AddressParser): ProxyHeaderParse {
  const invalid = (reason: string): ProxyHeaderParse => ({ kind: "invalid", reason });
  if (!_startsLike(bytes, V1_PREFIX)) return invalid("not a PROXY protocol header");
  const end = Math.min(bytes.length, MAX_V1_HEADER);
  let lf = -1;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === LF) {
      lf = i;
      break;
    }
    if (byte === CR && i + 1 < bytes.length && bytes[i + 1] !== LF) {
      return invalid("version 1 line with a CR not followed by LF");
    }
    if (byte !== CR && (byte < 0x20 || byte > 0x7e)) {
      return invalid("version 1 line with a byte that is not printable ASCII");
    }
  }
  if (lf === -1) {
    return bytes.length >= MAX_V1_HEADER
      ? invalid(`version 1 line longer than ${MAX_V1_HEADER} bytes`)
      : { kind: "incomplete" };
  }
  if (lf === 0 || bytes[lf - 1] !== CR) return invalid("version 1 line not ended by CRLF");
  // Printable ASCII only, checked above: one byte is one character.
  const line = String.fromCharCode(...bytes.subarray(0, lf - 1));
  const fields = line.split(" ");
  const header = (source: ProxyHeader["source"]): ProxyHeaderParse => ({
    kind: "complete",
    header: { version: 1, source, length: lf + 1 },
  });
  // Whatever follows UNKNOWN up to the CRLF is to be ignored.
  if (fields[1] === "UNKNOWN") return header(null);
  if (fields[1] !== "TCP4" && fields[1] !== "TCP6") {
    return invalid(
      `version 1 protocol ${JSON.stringify(fields[1] ?? "")} is not TCP4, TCP6 or UNKNOWN`,
    );
  }
  if (fields.length !== 6) return invalid(`version 1 ${fields[1]} line without 4 fields`);
  const [, protocol, sourceText, destinationText, sourcePort, destinationPort] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const syntax = protocol === "TCP4" ? /^[0-9.]{7,15}$/ : /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;
  const address = (text: string) => (syntax.test(text) ? parseAddress(text) : null);
  const source = address(sourceText);
  if (source === null || address(destinationText) === null) {
    return invalid(`version 1 ${protocol} line with an address that is not ${protocol}`);
  }
  const port = (text: string) => (PORT.test(text) && Number(text) <= 65535 ? Number(text) : null);
  const clientPort = port(sourcePort);
  if (clientPort === null || port(destinationPort) === null) {
    return invalid("version 1 line with a port that is not 0 to 65535");
  }
  return header({ address: source, port: clientPort });
}

function _parseV2(bytes: Uint8Array): ProxyHeaderParse {
  const invalid = (reason: string): ProxyHeaderParse => ({ kind: "invalid", reason });
  if (!_startsLike(bytes, V2_SIGNATURE)) return invalid("not a PROXY protocol header");
  if (bytes.length < 16) return { kind: "incomplete" };
  const version = bytes[12]! >> 4;
  const command = bytes[12]! & 0x0f;
  const family = bytes[13]!;
  const payload = (bytes[14]! << 8) | bytes[15]!;
  if (version !== 2) return invalid(`version 2 signature with version ${version}`);
  if (command > 1) return invalid(`version 2 command ${command} is neither LOCAL nor PROXY`);
  if (!V2_FAMILIES.has(family)) {
    return invalid(`version 2 family and transport 0x${family.toString(16)} are not defined`);
  }
  if (payload > MAX_V2_PAYLOAD) {
    return invalid(`version 2 header announces ${payload} bytes, over ${MAX_V2_PAYLOAD}`);
  }
  if (bytes.length < 16 + payload) return { kind: "incomplete" };
  const header = (source: ProxyHeader["source"]): ProxyHeaderParse => ({
    kind: "complete",
    header: { version: 2, source, length: 16 + payload },
  });
  // LOCAL: the proxy's own connection (a health check); its address block is ignored.
  if (command === 0 || (family !== V2_TCP4 && family !== V2_TCP6)) return header(null);
  const width = family === V2_TCP4 ? 4 : 16;
  if (payload < 2 * width + 4) {
    return invalid(`version 2 header of ${payload} bytes is too short for its addresses`);
  }
  let value = 0n;
  for (let i = 0; i < width; i++) value = (value << 8n) | BigInt(bytes[16 + i]!);
  const portAt = 16 + 2 * width;
  const port = (bytes[portAt]! << 8) | bytes[portAt + 1]!;
  // An IPv4-mapped IPv6 client is the IPv4 client it carries, as ip_network.ts has it.
  const mapped = width === 16 && value >> 32n === 0xffffn;
  const address: IpAddress = width === 4 || mapped
    ? { family: 4, value: value & 0xffffffffn }
    : { family: 6, value };
  return header({ address, port });
}

/** Why a connection's PROXY header could not be read (the connection is to be closed). */
export class ProxyHeaderError extends Error {
  /** Whether the peer was silent or went away (not a malformed header). */
  readonly quiet: boolean;

  constructor(message: string, quiet = false) {
    super(message);
    this.name = "ProxyHeaderError";
    this.quiet = quiet;
  }
}

/** A header read off a connection, and the bytes that came after it in the same reads. */
export interface ProxyHeaderRead {
  header: ProxyHeader;
  rest: Uint8Array;
}

/**
 * Reads the PROXY header at the start of `source` (a `Deno.Conn`), however it is split
 * across reads, within `timeoutMs`. Throws a {@linkcode ProxyHeaderError} when the header
 * is invalid, over its bound, not complete in time, or the connection ends first; the
 * caller then closes the connection (which also ends a read still pending at the deadline).
 */
export async function readProxyHeader(
  source: ByteSource,
  timeoutMs: number,
  parseAddress: AddressParser,
): Promise<ProxyHeaderRead> {
  const buffer = new Uint8Array(MAX_PROXY_HEADER);
  let filled = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ProxyHeaderError(`no complete PROXY header within ${timeoutMs} ms`, true)),
      timeoutMs,
    );
  });
  deadline.catch(() => {});
  try {
    while (true) {
      const parsed = parseProxyHeader(buffer.subarray(0, filled), parseAddress);
      if (parsed.kind === "complete") {
        return { header: parsed.header, rest: buffer.slice(parsed.header.length, filled) };
      }
      if (parsed.kind === "invalid") throw new ProxyHeaderError(parsed.reason);
      // Unreachable: a header is complete or invalid before the buffer fills. A bound all the same.
      if (filled === buffer.length) throw new ProxyHeaderError("PROXY header over its bound");
      const read = source.read(buffer.subarray(filled));
      // A read still pending at the deadline fails when the caller closes the connection.
      read.catch(() => {});
      let n: number | null;
      try {
        n = await Promise.race([read, deadline]);
      } catch (error) {
        if (error instanceof ProxyHeaderError) throw error;
        throw new ProxyHeaderError(`read failed: ${(error as Error)?.message ?? error}`, true);
      }
      if (n === null) {
        throw new ProxyHeaderError(
          filled === 0 ? "closed before sending a PROXY header" : "closed inside the PROXY header",
          true,
        );
      }
      filled += n;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** `source` with `prefix` read first: the bytes that came with the header are not lost. */
export function prefixedSource(source: ByteSource, prefix: Uint8Array): ByteSource {
  let rest = prefix;
  return {
    read(into: Uint8Array): Promise<number | null> {
      if (rest.length === 0) return source.read(into);
      const n = Math.min(rest.length, into.length);
      into.set(rest.subarray(0, n));
      rest = rest.subarray(n);
      return Promise.resolve(n);
    },
  };
}
