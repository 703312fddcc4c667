/** IPv4 CIDR arithmetic for pod CIDR allocation. Addresses are unsigned 32-bit numbers. */

export interface Ipv4Cidr {
  /** The network address (host bits zero). */
  readonly base: number;
  readonly prefix: number;
}

/** Parses "10.42.0.0/16"; undefined for anything else (IPv6 included). Host bits must be zero. */
export function parseIpv4Cidr(text: string): Ipv4Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % size(prefix) !== 0) return undefined;
  return { base, prefix };
}

export function formatIpv4Cidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Number of addresses in a prefix. */
export function size(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** True when the two ranges share any address. */
export function overlaps(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.base < b.base + size(b.prefix) && b.base < a.base + size(a.prefix);
}
