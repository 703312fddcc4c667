/**
 * Address ranges for network policy peers (pure): an ipBlock's CIDR minus its `except` CIDRs and a
 * rule's pod IPs become a sorted list of disjoint ranges per family, ready for an nftables interval
 * set (which refuses overlapping elements).
 */

export type Family = "ip" | "ip6";

export interface AddrRange {
  readonly family: Family;
  readonly lo: bigint;
  readonly hi: bigint;
}

export function familyOfAddress(ip: string): Family {
  return ip.includes(":") ? "ip6" : "ip";
}

function parseV4(ip: string): bigint | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(p));
  }
  return n;
}

function parseV6(ip: string): bigint | undefined {
  let text = ip;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s ? s.split(":") : []);
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const explicit = head.length + rest.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? 8 - explicit : 0).fill("0"), ...rest];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}

export function parseAddress(ip: string): { family: Family; value: bigint } | undefined {
  const family = familyOfAddress(ip);
  const value = family === "ip" ? parseV4(ip) : parseV6(ip);
  return value === undefined ? undefined : { family, value };
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === "ip") return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  return groups.join(":");
}

/** A CIDR (or a bare address) as a range; undefined when it does not parse. Host bits are ignored, as upstream's ParseCIDR does. */
export function cidrRange(cidr: string): AddrRange | undefined {
  const [addr, lenText] = cidr.trim().split("/");
  const parsed = parseAddress(addr ?? "");
  if (!parsed) return undefined;
  const bits = parsed.family === "ip" ? 32n : 128n;
  const len = lenText === undefined ? bits : /^\d{1,3}$/.test(lenText) ? BigInt(Number(lenText)) : -1n;
  if (len < 0n || len > bits) return undefined;
  const hostMask = (1n << (bits - len)) - 1n;
  const lo = parsed.value & ~hostMask & ((1n << bits) - 1n);
  return { family: parsed.family, lo, hi: lo | hostMask };
}

export function addressRange(ip: string): AddrRange | undefined {
  const parsed = parseAddress(ip);
  return parsed && { family: parsed.family, lo: parsed.value, hi: parsed.value };
}

/** Sorted, disjoint, with touching ranges joined. */
export function mergeRanges(ranges: readonly AddrRange[]): AddrRange[] {
  const sorted = [...ranges].sort((a, b) => (a.family !== b.family ? (a.family < b.family ? -1 : 1) : a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: AddrRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === r.family && r.lo <= last.hi + 1n) {
      if (r.hi > last.hi) out[out.length - 1] = { ...last, hi: r.hi };
    } else {
      out.push(r);
    }
  }
  return out;
}

/** `from` minus every range in `minus` (same family only). */
export function subtractRanges(from: AddrRange, minus: readonly AddrRange[]): AddrRange[] {
  let pieces: AddrRange[] = [from];
  for (const m of mergeRanges(minus.filter((x) => x.family === from.family))) {
    const next: AddrRange[] = [];
    for (const p of pieces) {
      if (m.hi < p.lo || m.lo > p.hi) { next.push(p); continue; }
      if (m.lo > p.lo) next.push({ ...p, hi: m.lo - 1n });
      if (m.hi < p.hi) next.push({ ...p, lo: m.hi + 1n });
    }
    pieces = next;
  }
  return pieces;
}

/** One nftables set element: an address, or `lo-hi`. */
export function formatRange(r: AddrRange): string {
  return r.lo === r.hi ? formatAddress(r.family, r.lo) : `${formatAddress(r.family, r.lo)}-${formatAddress(r.family, r.hi)}`;
}
