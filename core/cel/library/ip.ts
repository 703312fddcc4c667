/**
 * Kubernetes' CEL IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library/{ip,cidr}.go, as in 1.32):
 *
 *   ip(string) -> net.IP, isIP(string) -> bool, ip.isCanonical(string) -> bool
 *   i.family() -> 4 | 6, i.isUnspecified(), isLoopback(), isLinkLocalMulticast(),
 *   isLinkLocalUnicast(), isGlobalUnicast() -> bool, string(i) -> canonical text
 *   cidr(string) -> net.CIDR, isCIDR(string) -> bool
 *   c.containsIP(IP | string), c.containsCIDR(CIDR | string) -> bool, c.ip() -> IP,
 *   c.masked() -> CIDR, c.prefixLength() -> int, string(c) -> text ("192.168.0.1/24" stays as is)
 *
 * Parsing is Go's net/netip (ParseAddr / ParsePrefix), with upstream's extra refusals: no zones
 * (`fe80::1%eth0`), no IPv4-mapped IPv6 (`::ffff:1.2.3.4`); IPv4 octets with leading zeros are
 * refused by netip itself. A CIDR's address need not be masked (`cidr('10.0.0.1/8')` is valid).
 * Both object classes have `toString()` returning the text `string()` gives.
 */
import { CelError, CelObject, noSuchOverload, type CelValue } from "../values.ts";
import type { CelLibrary } from "./registry.ts";

/** netip.ParseAddr's error text (`ParseAddr("x"): msg (at "y")`). */
class AddrError extends Error {
  constructor(input: string, msg: string, at?: string) {
    super(`ParseAddr(${JSON.stringify(input)}): ${msg}${at !== undefined ? ` (at ${JSON.stringify(at)})` : ""}`);
  }
}

/** The four octets of `s` (netip parseIPv4Fields); throws AddrError naming `input`. */
function parseIPv4Fields(input: string, s: string): number[] {
  const fields: number[] = [];
  let val = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c >= "0" && c <= "9") {
      if (digits === 1 && val === 0) throw new AddrError(input, "IPv4 field has octet with leading zero");
      val = val * 10 + Number(c);
      digits++;
      if (val > 255) throw new AddrError(input, "IPv4 field has value >255");
    } else if (c === ".") {
      if (i === 0 || i === s.length - 1 || s[i - 1] === ".") throw new AddrError(input, "IPv4 field must have at least one digit", s.slice(i));
      if (fields.length === 3) throw new AddrError(input, "IPv4 address too long");
      fields.push(val);
      val = 0;
      digits = 0;
    } else {
      throw new AddrError(input, "unexpected character", s.slice(i));
    }
  }
  if (fields.length < 3) throw new AddrError(input, "IPv4 address too short");
  fields.push(val);
  return fields;
}

/** netip parseIPv6: 16 bytes, and the zone ("" when none). */
function parseIPv6(input: string): { bytes: number[]; zone: string } {
  let s = input;
  let zone = "";
  const pct = s.indexOf("%");
  if (pct !== -1) {
    [s, zone] = [s.slice(0, pct), s.slice(pct + 1)];
    if (zone === "") throw new AddrError(input, "zone must be a non-empty string");
  }
  const ip: number[] = new Array(16).fill(0);
  let ellipsis = -1;
  if (s.startsWith("::")) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === "") return { bytes: ip, zone };
  }
  let i = 0;
  while (i < 16) {
    const m = /^[0-9A-Fa-f]*/.exec(s)![0];
    if (m.length > 4) throw new AddrError(input, "each colon-separated field must have at most 4 hex digits", s);
    if (m.length === 0) throw new AddrError(input, "each colon-separated field must have at least one digit", s);
    if (s[m.length] === ".") {
      if (ellipsis < 0 && i !== 12) throw new AddrError(input, "embedded IPv4 address must replace the final 2 fields of the address", s);
      if (i + 4 > 16) throw new AddrError(input, "too many hex fields to fit an embedded IPv4 at the end of the address", s);
      ip.splice(i, 4, ...parseIPv4Fields(input, s));
      s = "";
      i += 4;
      break;
    }
    const acc = Number.parseInt(m, 16);
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(m.length);
    if (s === "") break;
    if (s[0] !== ":") throw new AddrError(input, "unexpected character, want colon", s);
    if (s.length === 1) throw new AddrError(input, "colon must be followed by more characters", s);
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) throw new AddrError(input, "multiple :: in address", s);
      ellipsis = i;
      s = s.slice(1);
      if (s === "") break;
    }
  }
  if (s !== "") throw new AddrError(input, "trailing garbage after address", s);
  if (i < 16) {
    if (ellipsis < 0) throw new AddrError(input, "address string too short");
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw new AddrError(input, "the :: must expand to at least one field of zeros", s);
  }
  return { bytes: ip, zone };
}

export class CelIP extends CelObject {
  readonly celType = "net.IP";
  /** 4 bytes (IPv4) or 16 (IPv6). */
  constructor(readonly bytes: readonly number[]) {
    super();
  }
  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }
  equals(other: CelValue): boolean {
    return other instanceof CelIP && other.bytes.length === this.bytes.length && other.bytes.every((b, i) => b === this.bytes[i]);
  }
  /** netip.Addr.String(): dotted IPv4, RFC 5952 IPv6 (longest run of ≥2 zero groups as `::`). */
  override toString(): string {
    if (this.family === 4) return this.bytes.join(".");
    const groups = Array.from({ length: 8 }, (_, g) => (this.bytes[2 * g]! << 8) | this.bytes[2 * g + 1]!);
    let [start, end] = [-1, -1];
    for (let g = 0; g < 8; g++) {
      let j = g;
      while (j < 8 && groups[j] === 0) j++;
      if (j - g >= 2 && j - g > end - start) [start, end] = [g, j];
    }
    if (start < 0) return groups.map((x) => x.toString(16)).join(":");
    const hex = (gs: number[]) => gs.map((x) => x.toString(16)).join(":");
    return `${hex(groups.slice(0, start))}::${hex(groups.slice(end))}`;
  }
}

/** upstream parseIPAddr: netip.ParseAddr minus zones and IPv4-mapped IPv6. Throws CelError. */
export function parseIP(raw: string): CelIP {
  let bytes: number[];
  try {
    const kind = /[.:%]/.exec(raw)?.[0];
    if (kind === ".") bytes = parseIPv4Fields(raw, raw);
    else if (kind === ":") {
      const v6 = parseIPv6(raw);
      if (v6.zone !== "") throw new CelError(`IP address ${JSON.stringify(raw)} with zone value is not allowed`);
      bytes = v6.bytes;
    } else throw new AddrError(raw, kind === "%" ? "missing IPv6 address" : "unable to parse IP");
  } catch (err) {
    if (err instanceof AddrError) throw new CelError(`IP Address ${JSON.stringify(raw)} parse error during conversion from string: ${err.message}`);
    throw err;
  }
  if (bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    throw new CelError(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
  }
  return new CelIP(bytes);
}

/** The address with every bit past `bits` cleared. */
function maskBytes(bytes: readonly number[], bits: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}

export class CelCIDR extends CelObject {
  readonly celType = "net.CIDR";
  constructor(readonly ip: CelIP, readonly bits: number) {
    super();
  }
  equals(other: CelValue): boolean {
    return other instanceof CelCIDR && other.bits === this.bits && other.ip.equals(this.ip);
  }
  masked(): CelCIDR {
    return new CelCIDR(new CelIP(maskBytes(this.ip.bytes, this.bits)), this.bits);
  }
  containsIP(ip: CelIP): boolean {
    return ip.family === this.ip.family && new CelIP(maskBytes(ip.bytes, this.bits)).equals(this.masked().ip);
  }
  /** Whether `other` lies inside this network (the masked comparison of upstream's fixed containsCIDR). */
  containsCIDR(other: CelCIDR): boolean {
    return other.ip.family === this.ip.family && this.bits <= other.bits && this.containsIP(other.ip);
  }
  /** netip.Prefix.String(). */
  override toString(): string {
    return `${this.ip}/${this.bits}`;
  }
}

/** upstream parseCIDR (netip.ParsePrefix minus IPv4-mapped IPv6). Throws CelError. */
export function parseCIDR(raw: string): CelCIDR {
  const wrap = (msg: string) =>
    new CelError(`network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(raw)}): ${msg}`);
  const slash = raw.lastIndexOf("/");
  if (slash < 0) throw wrap("no '/'");
  const addr = raw.slice(0, slash);
  let bytes: number[];
  try {
    const kind = /[.:%]/.exec(addr)?.[0];
    if (kind === ".") bytes = parseIPv4Fields(addr, addr);
    else if (kind === ":") {
      const v6 = parseIPv6(addr);
      if (v6.zone !== "") throw wrap("IPv6 zones cannot be present in a prefix");
      bytes = v6.bytes;
    } else throw new AddrError(addr, kind === "%" ? "missing IPv6 address" : "unable to parse IP");
  } catch (err) {
    if (err instanceof AddrError) throw wrap(err.message);
    throw err;
  }
  const bitsText = raw.slice(slash + 1);
  const max = bytes.length * 8;
  if (!/^(0|[1-9][0-9]*)$/.test(bitsText)) throw wrap(`bad bits after slash: ${JSON.stringify(bitsText)}`);
  const bits = Number(bitsText);
  if (bits > max) throw wrap("prefix length out of range");
  const ip = new CelIP(bytes);
  if (bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    throw new CelError(`network address parse error during conversion from string: IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
  }
  return new CelCIDR(ip, bits);
}

const isIPv6 = (ip: CelIP) => ip.family === 6;
const startsWith = (ip: CelIP, ...prefix: number[]) => prefix.every((b, i) => ip.bytes[i] === b);
const isZero = (ip: CelIP) => ip.bytes.every((b) => b === 0);
const isLoopback = (ip: CelIP) => (isIPv6(ip) ? ip.bytes.slice(0, 15).every((b) => b === 0) && ip.bytes[15] === 1 : ip.bytes[0] === 127);
const isMulticast = (ip: CelIP) => (isIPv6(ip) ? ip.bytes[0] === 0xff : (ip.bytes[0]! & 0xf0) === 0xe0);
const isLinkLocalUnicast = (ip: CelIP) => (isIPv6(ip) ? ip.bytes[0] === 0xfe && (ip.bytes[1]! & 0xc0) === 0x80 : startsWith(ip, 169, 254));
// netip: IPv4 224.0.0.0/24; IPv6 ff02::/16 with any flag bits (first group & 0xff0f == 0xff02).
const isLinkLocalMulticast = (ip: CelIP) => (isIPv6(ip) ? ip.bytes[0] === 0xff && (ip.bytes[1]! & 0x0f) === 0x02 : startsWith(ip, 224, 0, 0));
const isGlobalUnicast = (ip: CelIP) =>
  !isZero(ip) && !(ip.family === 4 && ip.bytes.every((b) => b === 255)) && !isLoopback(ip) && !isMulticast(ip) && !isLinkLocalUnicast(ip);

function stringArg(fn: string, target: CelValue | undefined, args: readonly CelValue[]): string {
  if (target !== undefined || args.length !== 1 || typeof args[0] !== "string") throw noSuchOverload(fn, target, args);
  return args[0];
}

function ipMethod(fn: string, read: (ip: CelIP) => CelValue) {
  return (target: CelValue | undefined, args: readonly CelValue[]): CelValue => {
    if (!(target instanceof CelIP) || args.length !== 0) throw noSuchOverload(fn, target, args);
    return read(target);
  };
}

function cidrMethod(fn: string, n: number, run: (c: CelCIDR, arg: CelValue) => CelValue) {
  return (target: CelValue | undefined, args: readonly CelValue[]): CelValue => {
    if (!(target instanceof CelCIDR) || args.length !== n) throw noSuchOverload(fn, target, args);
    return run(target, args[0] ?? null);
  };
}

const succeeds = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch (err) {
    if (err instanceof CelError) return false;
    throw err;
  }
};

export const ipLibrary: CelLibrary = {
  ip: (target, args) => {
    // ip(string), and the CIDR method c.ip().
    if (target instanceof CelCIDR && args.length === 0) return target.ip;
    return parseIP(stringArg("ip", target, args));
  },
  isIP: (target, args) => succeeds(() => parseIP(stringArg("isIP", target, args))),
  "ip.isCanonical": (target, args) => {
    const s = stringArg("ip.isCanonical", target, args);
    return parseIP(s).toString() === s;
  },
  family: ipMethod("family", (ip) => BigInt(ip.family)),
  isUnspecified: ipMethod("isUnspecified", isZero),
  isLoopback: ipMethod("isLoopback", isLoopback),
  isLinkLocalMulticast: ipMethod("isLinkLocalMulticast", isLinkLocalMulticast),
  isLinkLocalUnicast: ipMethod("isLinkLocalUnicast", isLinkLocalUnicast),
  isGlobalUnicast: ipMethod("isGlobalUnicast", isGlobalUnicast),
  cidr: (target, args) => parseCIDR(stringArg("cidr", target, args)),
  isCIDR: (target, args) => succeeds(() => parseCIDR(stringArg("isCIDR", target, args))),
  containsIP: cidrMethod("containsIP", 1, (c, a) => {
    if (typeof a === "string") return c.containsIP(parseIP(a));
    if (a instanceof CelIP) return c.containsIP(a);
    throw noSuchOverload("containsIP", c, [a]);
  }),
  containsCIDR: cidrMethod("containsCIDR", 1, (c, a) => {
    if (typeof a === "string") return c.containsCIDR(parseCIDR(a));
    if (a instanceof CelCIDR) return c.containsCIDR(a);
    throw noSuchOverload("containsCIDR", c, [a]);
  }),
  masked: cidrMethod("masked", 0, (c) => c.masked()),
  prefixLength: cidrMethod("prefixLength", 0, (c) => BigInt(c.bits)),
  // string(ip) / string(cidr), for a registry-dispatched `string` (the standard library handles the rest).
  string: (target, args) => {
    if (target !== undefined || args.length !== 1 || !(args[0] instanceof CelIP || args[0] instanceof CelCIDR)) throw noSuchOverload("string", target, args);
    return args[0].toString();
  },
};
