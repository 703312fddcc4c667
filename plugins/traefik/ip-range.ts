/** IP addresses and CIDR ranges (ClientIP matcher, ipAllowList): IPv4, IPv6, IPv4-mapped IPv6 compared as IPv4. */

export interface IpRange {
  contains(ip: string): boolean;
}

/** The address as bytes (4 for IPv4 and IPv4-mapped IPv6, 16 for IPv6), or null when it is not an address. */
export function ipBytes(ip: string): Uint8Array | null {
  let s = ip.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(":")) return v4(s);
  const v6 = parseV6(s);
  if (!v6) return null;
  if (v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) return v6.slice(12);
  return v6;
}

function v4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]!)) return null;
    const n = Number(parts[i]);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  let tail4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail4 = v4(s.slice(lastColon + 1));
    if (!tail4) return null;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!), tail = halves.length === 2 ? groups(halves[1]!) : [];
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const all = [...head, ...Array(8 - total).fill("0"), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(all[i]!)) return null;
    const n = Number.parseInt(all[i]!, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

/** An address ("10.0.0.1", "::1") or a CIDR ("10.0.0.0/8"); throws on anything else. */
export function parseIpRange(text: string): IpRange {
  const slash = text.indexOf("/");
  const addr = ipBytes(slash < 0 ? text : text.slice(0, slash));
  if (!addr) throw new Error(`invalid IP address or CIDR ${JSON.stringify(text)}`);
  let bits = addr.length * 8;
  if (slash >= 0) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
    // An IPv4-mapped IPv6 CIDR counts its prefix over 128 bits.
    const mappedV6 = text.slice(0, slash).includes(":") && addr.length === 4;
    bits = Number(b) - (mappedV6 ? 96 : 0);
    if (bits < 0 || bits > addr.length * 8) throw new Error(`invalid CIDR ${JSON.stringify(text)}`);
  }
  return {
    contains(ip: string) {
      const x = ipBytes(ip);
      if (!x || x.length !== addr.length) return false;
      let i = 0;
      for (; i + 8 <= bits; i += 8) if (x[i / 8] !== addr[i / 8]) return false;
      const rest = bits - i;
      if (rest === 0) return true;
      const mask = (0xff << (8 - rest)) & 0xff;
      return (x[i / 8]! & mask) === (addr[i / 8]! & mask);
    },
  };
}
