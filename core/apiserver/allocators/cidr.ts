/** IPv4 CIDR arithmetic for the Service IP range. */

export interface Ipv4Range {
  readonly cidr: string;
  /** Network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly size: number;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export function parseCidr(cidr: string): Ipv4Range {
  const [ip = "", bitsText = ""] = cidr.split("/");
  const addr = ipToInt(ip);
  const bits = Number(bitsText);
  if (addr === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30) throw new Error(`invalid service CIDR ${JSON.stringify(cidr)} (an IPv4 CIDR between /8 and /30 is required)`);
  const size = 2 ** (32 - bits);
  return { cidr, base: addr - (addr % size), size };
}

/** The first usable address, reserved for the `kubernetes` Service (10.43.0.1 for 10.43.0.0/16). */
export function firstServiceIP(range: Ipv4Range): string {
  return intToIp(range.base + 1);
}
