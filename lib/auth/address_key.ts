/**
 * The key per-address limits count by: an IPv4 address as it is, an IPv6 address by its
 * /64 network (one subscriber usually holds a whole /64, so counting single IPv6
 * addresses would let one machine register without limit), an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`) as its IPv4 address.
 */

/**
 * The limit key of a peer's host address (see the module doc); other text as it is.
 * `ipv6Prefix` 48 counts a whole site's /48 (256 /64s and more) as one address, for limits
 * that many cheap /64s would otherwise defeat (room creation).
 */
export function addressKey(host: string, ipv6Prefix: 48 | 64 = 64): string {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (!bare.includes(":")) return bare;
  const groups = _expandIpv6(bare.split("%")[0]!);
  if (groups === null) return bare;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6]!, groups[7]!];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const kept = ipv6Prefix / 16;
  return `${groups.slice(0, kept).map((g) => g.toString(16)).join(":")}::/${ipv6Prefix}`;
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail allowed), or null. */
function _expandIpv6(text: string): number[] | null {
  let tail: number[] = [];
  let head = text;
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(2).map(Number);
    if (bytes.some((b) => b > 255)) return null;
    tail = [(bytes[0]! << 8) | bytes[1]!, (bytes[2]! << 8) | bytes[3]!];
    head = v4[1]!.endsWith("::") ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const group of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      out.push(parseInt(group, 16));
    }
    return out;
  };
  const left = parse(halves[0]!);
  const right = halves.length === 2 ? parse(halves[1]!) : [];
  if (left === null || right === null) return null;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1) return known === 8 ? [...left, ...tail] : null;
  if (known > 7) return null;
  return [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tail];
}
