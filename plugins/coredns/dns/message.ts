/**
 * DNS messages as plain objects. Names are in presentation form without the trailing dot
 * ("www.example.com"; the root is ""), with `\.`, `\\` and `\DDD` escapes for bytes that are not
 * printable or would be ambiguous. Comparison of names is case-insensitive (use `canonicalName`).
 */

export interface Question {
  name: string;
  type: number;
  class: number;
}

/** Record data by type; types without a structured form keep their RDATA bytes (RFC 3597). */
export type RecordData =
  | { address: string } // A, AAAA
  | { target: string } // CNAME, NS, PTR
  | { priority: number; weight: number; port: number; target: string } // SRV
  | { preference: number; exchange: string } // MX
  | { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } // SOA
  | { texts: string[] } // TXT (each string as latin1 characters)
  | { raw: Uint8Array };

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  /** Seconds, 0..2^31-1. */
  ttl: number;
  data: RecordData;
}

export interface Edns {
  /** The sender's UDP payload size. */
  udpSize: number;
  /** The upper 8 bits of the 12-bit rcode (the message's `rcode` already combines them on decode). */
  version: number;
  dnssecOk: boolean;
  /** Raw EDNS options (code, data) as received; this server sends none. */
  options: { code: number; data: Uint8Array }[];
}

export interface Flags {
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  /** The full rcode: the header's 4 bits plus the OPT record's extended bits. */
  rcode: number;
}

export interface Message {
  id: number;
  flags: Flags;
  questions: Question[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  /** Additional records other than OPT (which is `edns`). */
  additionals: ResourceRecord[];
  edns?: Edns;
}

/** Header flags with everything off. */
export function emptyFlags(): Flags {
  return { qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: 0 };
}

/** The lowercased form names are compared and keyed by. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") && !lower.endsWith("\\.") ? lower.slice(0, -1) : lower;
}

/** True when `name` equals `zone` or lies under it (both canonical). The root zone "" contains everything. */
export function inZone(name: string, zone: string): boolean {
  if (zone === "") return true;
  if (name === zone) return true;
  const dot = name.length - zone.length - 1;
  return dot > 0 && name.endsWith(zone) && name.charCodeAt(dot) === 46 /* . */ && name.charCodeAt(dot - 1) !== 92 /* \ */;
}
