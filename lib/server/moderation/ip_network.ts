/**
 * IPv4 and IPv6 addresses and networks (CIDR) for address bans: parsing with clear errors,
 * a normalised text form, and matching. An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`)
 * is the IPv4 address it carries, so IPv4 bans apply to it.
 */

/** A parsed network: the address as a big integer, its family and prefix length. */
export interface IpNetwork {
  family: 4 | 6;
  /** The network's first address (host bits cleared). */
  base: bigint;
  prefix: number;
}

const IPV4_PART = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const MAX_TEXT = 64;

/** Parses dotted-quad IPv4; null when it is not one. */
function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => IPV4_PART.test(p))) return null;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

/** Parses IPv6 (with `::` and an optional trailing IPv4); null when it is not one. */
function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let groups: string[];
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const split = (s: string) => (s === "" ? [] : s.split(":"));
  const head = split(halves[0]!);
  const tail = halves.length === 2 ? split(halves[1]!) : [];
  const expand = (list: string[]): string[] | null => {
    const last = list[list.length - 1];
    if (last === undefined || !last.includes(".")) return list;
    const v4 = parseIpv4(last);
    if (v4 === null) return null;
    return [...list.slice(0, -1), (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
  };
  const h = halves.length === 2 ? head : expand(head);
  const t = expand(tail);
  if (h === null || t === null) return null;
  if (halves.length === 2) {
    const missing = 8 - h.length - t.length;
    if (missing < 1) return null;
    groups = [...h, ...Array(missing).fill("0"), ...t];
  } else groups = h;
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** An address as (family, value), IPv4-mapped IPv6 folded to IPv4; null when not an address. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | null {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  // A zone (`fe80::1%eth0`) does not change which host it is.
  const host = bare.split("%")[0]!;
  const v4 = parseIpv4(host);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIpv6(host);
  if (v6 === null) return null;
  if (v6 >> 32n === MAPPED_PREFIX >> 32n) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/**
 * Parses an address or a CIDR network (`192.0.2.7`, `198.51.100.0/24`, `2001:db8::/32`):
 * the network, or a sentence saying what is wrong. A mapped IPv6 network (`::ffff:a.b.c.d/n`
 * with n ≥ 96) becomes the IPv4 network.
 */
export function parseNetwork(text: string): IpNetwork | { error: string } {
  const shown = JSON.stringify(text.slice(0, MAX_TEXT));
  const bad = (why: string) => ({ error: `Cannot use address ${shown}: ${why}.` });
  if (text.length > MAX_TEXT) return bad("it is too long");
  const slash = text.indexOf("/");
  const addressText = (slash === -1 ? text : text.slice(0, slash)).trim();
  const address = parseIpv6OrV4Raw(addressText);
  if (address === null) return bad("write an IPv4 or IPv6 address, or a network like 10.0.0.0/8");
  const bits = address.family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      return bad(`the prefix length must be a whole number from 0 to ${bits}`);
    }
    prefix = Number(prefixText);
  }
  let { family, value } = address;
  if (family === 6 && value >> 32n === MAPPED_PREFIX >> 32n && prefix >= 96) {
    family = 4;
    value &= 0xffffffffn;
    prefix -= 96;
  }
  const width = family === 4 ? 32 : 128;
  return { family, base: value & mask(width, prefix), prefix };
}

/** Like parseAddress, but keeps a mapped IPv6 address as IPv6 (the prefix decides). */
function parseIpv6OrV4Raw(text: string): { family: 4 | 6; value: bigint } | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 === null ? null : { family: 6, value: v6 };
}

function mask(width: number, prefix: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(width - prefix)) << BigInt(width - prefix);
}

/** The network as normalised text: `a.b.c.d/n` or compressed IPv6 `x::y/n`. */
export function formatNetwork(network: IpNetwork): string {
  return `${formatAddress(network.family, network.base)}/${network.prefix}`;
}

function formatAddress(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  }
  const groups = Array.from(
    { length: 8 },
    (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn),
  );
  // The longest run of two or more zero groups becomes `::` (RFC 5952).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start === -1) return hex.join(":");
  const left = hex.slice(0, best.start).join(":");
  const right = hex.slice(best.start + best.length).join(":");
  return `${left}::${right}`;
}

/** Whether `address` (as parseAddress gives it) is inside `network`. */
export function contains(network: IpNetwork, address: { family: 4 | 6; value: bigint }): boolean {
  if (network.family !== address.family) return false;
  const width = network.family === 4 ? 32 : 128;
  return (address.value & mask(width, network.prefix)) === network.base;
}
