/**
 * Encoding DNS messages to wire bytes, compressing names (RFC 1035 §4.1.4) and fitting a size
 * limit: when an answer or authority record does not fit, it and everything after it is left out
 * and TC is set; when only additional records do not fit they are dropped without TC (RFC 2181
 * §9). The OPT record is always kept. Throws NameError/RangeError only for unencodable input
 * (bad names, out-of-range numbers): messages built by this plugin never do.
 */
import { RRType } from "./constants.ts";
import { parseIPv4, parseIPv6 } from "./ip.ts";
import type { Message, RecordData, ResourceRecord } from "./message.ts";
import { MAX_LABEL, MAX_NAME_WIRE, NameError, nameToLabels } from "./name.ts";

export interface Encoded {
  bytes: Uint8Array;
  /** True when records were left out to fit `maxSize` and TC was set. */
  truncated: boolean;
  /** Byte offsets of the TTL field of every record written, except OPT (to rewrite TTLs in place). */
  ttlOffsets: number[];
}

export interface EncodeOptions {
  /** Largest message to produce (e.g. 512 for classic UDP); default 65535. */
  maxSize?: number;
}

class Full extends Error {}

export function encodeMessage(msg: Message, options: EncodeOptions = {}): Encoded {
  const maxSize = Math.min(options.maxSize ?? 65535, 65535);
  const optSize = msg.edns ? 11 + msg.edns.options.reduce((n, o) => n + 4 + o.data.length, 0) : 0;
  const w = new Writer(maxSize - optSize);
  const f = msg.flags;
  w.u16(msg.id);
  const flagsAt = w.pos;
  w.u16(0);
  w.u16(msg.questions.length);
  const countsAt = w.pos;
  w.u16(0); w.u16(0); w.u16(0);
  for (const q of msg.questions) { w.name(q.name, true); w.u16(q.type); w.u16(q.class); }
  const ttlOffsets: number[] = [];
  const counts = [0, 0, 0];
  let truncated = false;
  const sections = [msg.answers, msg.authorities, msg.additionals] as const;
  outer: for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]!) {
      const mark = w.pos;
      try {
        ttlOffsets.push(writeRecord(w, rr));
        counts[s]!++;
      } catch (err) {
        if (!(err instanceof Full)) throw err;
        w.pos = mark;
        w.forgetAfter(mark);
        if (s < 2) truncated = true;
        break outer;
      }
    }
  }
  // The OPT record fits by construction: its room was reserved.
  w.limit = maxSize;
  let arcount = counts[2]!;
  if (msg.edns) {
    const e = msg.edns;
    w.u8(0); w.u16(RRType.OPT); w.u16(e.udpSize);
    w.u8((f.rcode >> 4) & 0xff); w.u8(e.version); w.u16(e.dnssecOk ? 0x8000 : 0);
    w.u16(optSize - 11);
    for (const o of e.options) { w.u16(o.code); w.u16(o.data.length); w.bytes(o.data); }
    arcount++;
  }
  const flags = (f.qr ? 0x8000 : 0) | ((f.opcode & 0xf) << 11) | (f.aa ? 0x0400 : 0) | (f.tc || truncated ? 0x0200 : 0)
    | (f.rd ? 0x0100 : 0) | (f.ra ? 0x0080 : 0) | (f.ad ? 0x0020 : 0) | (f.cd ? 0x0010 : 0) | (f.rcode & 0xf);
  w.setU16(flagsAt, flags);
  w.setU16(countsAt, counts[0]!);
  w.setU16(countsAt + 2, counts[1]!);
  w.setU16(countsAt + 4, arcount);
  return { bytes: w.result(), truncated, ttlOffsets };
}

/** Writes one record; returns the offset of its TTL field. */
function writeRecord(w: Writer, rr: ResourceRecord): number {
  w.name(rr.name, true);
  w.u16(rr.type);
  w.u16(rr.class);
  const ttlAt = w.pos;
  w.u32(rr.ttl);
  const lenAt = w.pos;
  w.u16(0);
  writeData(w, rr.type, rr.data);
  w.setU16(lenAt, w.pos - lenAt - 2);
  return ttlAt;
}

function writeData(w: Writer, type: number, data: RecordData): void {
  if ("raw" in data) { w.bytes(data.raw); return; }
  switch (type) {
    case RRType.A: case RRType.AAAA: {
      const address = (data as { address: string }).address;
      const b = type === RRType.A ? parseIPv4(address) : parseIPv6(address);
      if (!b) throw new RangeError(`${address} is not an ${type === RRType.A ? "IPv4" : "IPv6"} address`);
      w.bytes(b);
      return;
    }
    case RRType.CNAME: case RRType.NS: case RRType.PTR:
      w.name((data as { target: string }).target, true);
      return;
    case RRType.MX: {
      const d = data as { preference: number; exchange: string };
      w.u16(d.preference); w.name(d.exchange, true);
      return;
    }
    case RRType.SRV: {
      const d = data as { priority: number; weight: number; port: number; target: string };
      w.u16(d.priority); w.u16(d.weight); w.u16(d.port);
      w.name(d.target, false); // RFC 2782: the target is never compressed
      return;
    }
    case RRType.SOA: {
      const d = data as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
      w.name(d.mname, true); w.name(d.rname, true);
      w.u32(d.serial); w.u32(d.refresh); w.u32(d.retry); w.u32(d.expire); w.u32(d.minimum);
      return;
    }
    case RRType.TXT:
      for (const t of (data as { texts: string[] }).texts) {
        if (t.length > 255) throw new RangeError("TXT string longer than 255 bytes");
        w.u8(t.length);
        for (let i = 0; i < t.length; i++) w.u8(t.charCodeAt(i) & 0xff);
      }
      return;
    default:
      throw new RangeError(`record data of type ${type} has no structured encoding; give raw bytes`);
  }
}

class Writer {
  buf = new Uint8Array(512);
  pos = 0;
  /** Canonical name suffix -> offset where it was written (for compression pointers). */
  private readonly names = new Map<string, number>();

  constructor(public limit: number) {}

  private room(n: number): void {
    if (this.pos + n > this.limit) throw new Full();
    if (this.pos + n > this.buf.length) {
      const next = new Uint8Array(Math.min(Math.max(this.buf.length * 2, this.pos + n), 65535));
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
  }

  u8(v: number): void { this.room(1); this.buf[this.pos++] = v; }
  u16(v: number): void { this.room(2); this.buf[this.pos++] = v >> 8; this.buf[this.pos++] = v & 0xff; }
  u32(v: number): void {
    this.room(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff; this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff; this.buf[this.pos++] = v & 0xff;
  }
  bytes(b: Uint8Array): void { this.room(b.length); this.buf.set(b, this.pos); this.pos += b.length; }
  setU16(at: number, v: number): void { this.buf[at] = v >> 8; this.buf[at + 1] = v & 0xff; }

  name(name: string, compress: boolean): void {
    if (!name.includes("\\")) { this.plainName(name, compress); return; }
    const labels = nameToLabels(name);
    const keys = suffixKeys(labels);
    for (let i = 0; i < labels.length; i++) {
      const known = compress ? this.names.get(keys[i]!) : undefined;
      if (known !== undefined) { this.u16(0xc000 | known); return; }
      if (this.pos < 0x3fff && !this.names.has(keys[i]!)) this.names.set(keys[i]!, this.pos);
      this.u8(labels[i]!.length);
      this.bytes(labels[i]!);
    }
    this.u8(0);
  }

  /** The common case, a name without escapes: its lowercased suffixes are the compression keys. */
  private plainName(name: string, compress: boolean): void {
    const n = name.endsWith(".") ? name.slice(0, -1) : name;
    if (n === "") { this.u8(0); return; }
    if (n.length + 2 > MAX_NAME_WIRE) throw new NameError(`name ${JSON.stringify(n.slice(0, 40))}... is longer than 255 bytes`);
    const lower = n.toLowerCase();
    for (let start = 0; ;) {
      const key = start === 0 ? lower : lower.slice(start);
      const known = compress ? this.names.get(key) : undefined;
      if (known !== undefined) { this.u16(0xc000 | known); return; }
      if (this.pos < 0x3fff && !this.names.has(key)) this.names.set(key, this.pos);
      const dot = n.indexOf(".", start);
      const end = dot < 0 ? n.length : dot;
      const len = end - start;
      if (len === 0 || len > MAX_LABEL) throw new NameError(`${len === 0 ? "empty label" : "label longer than 63 bytes"} in ${JSON.stringify(n.slice(0, 80))}`);
      this.room(len + 1);
      this.buf[this.pos++] = len;
      for (let i = start; i < end; i++) this.buf[this.pos++] = n.charCodeAt(i) & 0xff;
      if (dot < 0) break;
      start = dot + 1;
    }
    this.u8(0);
  }

  /** Forgets compression targets at or after `pos` (after a rolled-back record). */
  forgetAfter(pos: number): void {
    for (const [k, v] of this.names) if (v >= pos) this.names.delete(k);
  }

  result(): Uint8Array { return this.buf.slice(0, this.pos); }
}

/**
 * For labels [a, b, c] of a name with escapes: the lowercased keys of "a.b.c", "b.c", "c", label
 * bytes joined by U+0100, which no byte maps to (so they never collide with plain names' keys).
 */
function suffixKeys(labels: Uint8Array[]): string[] {
  const keys: string[] = new Array(labels.length);
  let acc = "";
  for (let i = labels.length - 1; i >= 0; i--) {
    let s = "";
    const l = labels[i]!;
    for (let j = 0; j < l.length; j++) {
      const c = l[j]!;
      s += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
    }
    acc = i === labels.length - 1 ? s : `${s}\u0100${acc}`;
    keys[i] = acc;
  }
  return keys;
}
