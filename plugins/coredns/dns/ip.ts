/**
 * IP addresses as text and bytes, CIDR membership and reverse-lookup names
 * (in-addr.arpa, ip6.arpa). Parsers return undefined on malformed input, never throw.
 */

/** 4 bytes of a dotted-quad IPv4 address, or undefined. */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** 16 bytes of an IPv6 address (with `::` and an optional trailing dotted quad), or undefined. */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!text.includes(":") || text.includes("%")) return undefined;
  let head = text;
  let tail4: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    tail4 = parseIPv4(text.slice(lastColon + 1));
    if (!tail4) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = all[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

/** Bytes of an IPv4 or IPv6 address, or undefined. */
export function parseIP(text: string): Uint8Array | undefined {
  return text.includes(":") ? parseIPv6(text) : parseIPv4(text);
}

export function formatIPv4(b: Uint8Array, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

/** RFC 5952 canonical text: lowercase, longest run (>1) of zero groups as `::`. */
export function formatIPv6(b: Uint8Array, offset = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[offset + i * 2]! << 8) | b[offset + i * 2 + 1]!);
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** The canonical text of an address (so "10.0.0.01"-style variants never match), or undefined. */
export function canonicalIP(text: string): string | undefined {
  const b = parseIP(text);
  if (!b) return undefined;
  return b.length === 4 ? formatIPv4(b) : formatIPv6(b);
}

export interface Cidr {
  readonly bytes: Uint8Array;
  readonly bits: number;
  readonly text: string;
}

/** "10.43.0.0/16" -> a Cidr, or undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const [ip, len] = text.trim().split("/");
  const bytes = ip ? parseIP(ip) : undefined;
  if (!bytes || len === undefined || !/^[0-9]{1,3}$/.test(len)) return undefined;
  const bits = Number(len);
  if (bits > bytes.length * 8) return undefined;
  return { bytes, bits, text: text.trim() };
}

/** True when the first `prefixBits` bits of `addr` lie inside `cidr` (and prefixBits >= cidr.bits). */
export function cidrContains(cidr: Cidr, addr: Uint8Array, prefixBits = addr.length * 8): boolean {
  if (addr.length !== cidr.bytes.length || prefixBits < cidr.bits) return false;
  for (let bit = 0; bit < cidr.bits; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((addr[bit >> 3]! & mask) !== (cidr.bytes[bit >> 3]! & mask)) return false;
  }
  return true;
}

/** "1.2.3.4" -> "4.3.2.1.in-addr.arpa"; IPv6 -> 32 nibbles under ip6.arpa. */
export function reverseName(ip: string): string | undefined {
  const b = parseIP(ip);
  if (!b) return undefined;
  if (b.length === 4) return `${b[3]}.${b[2]}.${b[1]}.${b[0]}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (let i = 15; i >= 0; i--) nibbles.push((b[i]! & 0xf).toString(16), (b[i]! >> 4).toString(16));
  return `${nibbles.join(".")}.ip6.arpa`;
}

/**
 * A reverse name (canonical, without trailing dot) as the address prefix it denotes: bytes with the
 * known leading bits filled, and how many bits are known (32/128 for a full address). Undefined for
 * names outside in-addr.arpa / ip6.arpa or with malformed labels.
 */
export function parseReverseName(name: string): { bytes: Uint8Array; bits: number } | undefined {
  if (name === "in-addr.arpa" || name.endsWith(".in-addr.arpa")) {
    const labels = name === "in-addr.arpa" ? [] : name.slice(0, -".in-addr.arpa".length).split(".");
    if (labels.length > 4) return undefined;
    const bytes = new Uint8Array(4);
    for (let i = 0; i < labels.length; i++) {
      const l = labels[labels.length - 1 - i]!;
      if (!/^(0|[1-9][0-9]{0,2})$/.test(l) || Number(l) > 255) return undefined;
      bytes[i] = Number(l);
    }
    return { bytes, bits: labels.length * 8 };
  }
  if (name === "ip6.arpa" || name.endsWith(".ip6.arpa")) {
    const labels = name === "ip6.arpa" ? [] : name.slice(0, -".ip6.arpa".length).split(".");
    if (labels.length > 32) return undefined;
    const bytes = new Uint8Array(16);
    for (let i = 0; i < labels.length; i++) {
      const l = labels[labels.length - 1 - i]!;
      if (!/^[0-9a-f]$/.test(l)) return undefined;
      const v = parseInt(l, 16);
      bytes[i >> 1] = (bytes[i >> 1] ?? 0) | (i % 2 === 0 ? v << 4 : v);
    }
    return { bytes, bits: labels.length * 4 };
  }
  return undefined;
}
