/**
 * Decoding DNS messages from wire bytes (RFC 1035 §4, with name compression, EDNS0 OPT per
 * RFC 6891). Never trusts its input: every read is bounds-checked, compression pointers must point
 * strictly backwards (so they cannot loop) and names stay within 255 bytes. Malformed input throws
 * FormatError; the caller answers FORMERR or drops the packet.
 */
import { RRType } from "./constants.ts";
import { formatIPv4, formatIPv6 } from "./ip.ts";
import type { Edns, Message, Question, RecordData, ResourceRecord } from "./message.ts";
import { labelToString, MAX_NAME_WIRE } from "./name.ts";

export class FormatError extends Error {}

const HEADER = 12;

/** The 16-bit ID of a message with at least 2 bytes, else undefined. */
export function peekId(bytes: Uint8Array): number | undefined {
  return bytes.length >= 2 ? (bytes[0]! << 8) | bytes[1]! : undefined;
}

export function decodeMessage(bytes: Uint8Array): Message {
  if (bytes.length < HEADER) throw new FormatError(`message of ${bytes.length} bytes is shorter than the 12-byte header`);
  const r = new Reader(bytes);
  const id = r.u16();
  const f = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()] as const;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const answers = readRecords(r, counts[1]);
  const authorities = readRecords(r, counts[2]);
  const rawAdditionals = readRecords(r, counts[3], true);
  if (r.pos !== bytes.length) throw new FormatError(`${bytes.length - r.pos} bytes after the last record`);
  let edns: Edns | undefined;
  let rcode = f & 0xf;
  const additionals: ResourceRecord[] = [];
  for (const rr of rawAdditionals) {
    if (rr.type !== RRType.OPT) { additionals.push(rr); continue; }
    if (edns) throw new FormatError("more than one OPT record");
    if (rr.name !== "") throw new FormatError("OPT record with a non-root owner name");
    rcode |= ((rr.ttl >>> 24) & 0xff) << 4;
    edns = {
      udpSize: rr.class, version: (rr.ttl >>> 16) & 0xff, dnssecOk: (rr.ttl & 0x8000) !== 0,
      options: parseOptions((rr.data as { raw: Uint8Array }).raw),
    };
  }
  return {
    id,
    flags: {
      qr: (f & 0x8000) !== 0, opcode: (f >> 11) & 0xf, aa: (f & 0x0400) !== 0, tc: (f & 0x0200) !== 0,
      rd: (f & 0x0100) !== 0, ra: (f & 0x0080) !== 0, ad: (f & 0x0020) !== 0, cd: (f & 0x0010) !== 0, rcode,
    },
    questions, answers, authorities, additionals, ...(edns ? { edns } : {}),
  };
}

function parseOptions(raw: Uint8Array): Edns["options"] {
  const out: Edns["options"] = [];
  for (let p = 0; p < raw.length;) {
    if (p + 4 > raw.length) throw new FormatError("truncated EDNS option");
    const code = (raw[p]! << 8) | raw[p + 1]!;
    const len = (raw[p + 2]! << 8) | raw[p + 3]!;
    if (p + 4 + len > raw.length) throw new FormatError("truncated EDNS option data");
    out.push({ code, data: raw.slice(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return out;
}

function readRecords(r: Reader, count: number, allowOpt = false): ResourceRecord[] {
  const out: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const name = r.name();
    const type = r.u16();
    const cls = r.u16();
    const ttl = r.u32();
    const len = r.u16();
    const end = r.pos + len;
    if (end > r.bytes.length) throw new FormatError("record data runs past the end of the message");
    if (type === RRType.OPT && !allowOpt) throw new FormatError("OPT record outside the additional section");
    const data = readData(r, type, end);
    if (r.pos !== end) throw new FormatError(`record data of type ${type} has ${end - r.pos} unexpected bytes`);
    // TTLs with the top bit set are treated as 0 (RFC 2181 §8); OPT keeps its bit-packed field.
    out.push({ name, type, class: cls, ttl: type === RRType.OPT || ttl <= 0x7fffffff ? ttl : 0, data });
  }
  return out;
}

function readData(r: Reader, type: number, end: number): RecordData {
  const len = end - r.pos;
  switch (type) {
    case RRType.A:
      if (len !== 4) throw new FormatError("A record data is not 4 bytes");
      r.pos = end;
      return { address: formatIPv4(r.bytes, end - 4) };
    case RRType.AAAA:
      if (len !== 16) throw new FormatError("AAAA record data is not 16 bytes");
      r.pos = end;
      return { address: formatIPv6(r.bytes, end - 16) };
    case RRType.CNAME: case RRType.NS: case RRType.PTR:
      return { target: r.name() };
    case RRType.MX:
      return { preference: r.u16(), exchange: r.name() };
    case RRType.SRV:
      return { priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
    case RRType.SOA:
      return { mname: r.name(), rname: r.name(), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32() };
    case RRType.TXT: {
      const texts: string[] = [];
      while (r.pos < end) {
        const n = r.u8();
        if (r.pos + n > end) throw new FormatError("TXT string runs past its record");
        texts.push(String.fromCharCode(...r.bytes.subarray(r.pos, r.pos + n)));
        r.pos += n;
      }
      return { texts };
    }
    default: {
      const raw = r.bytes.slice(r.pos, end);
      r.pos = end;
      return { raw };
    }
  }
}

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  u8(): number {
    if (this.pos + 1 > this.bytes.length) throw new FormatError("message truncated");
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    if (this.pos + 2 > this.bytes.length) throw new FormatError("message truncated");
    const v = (this.bytes[this.pos]! << 8) | this.bytes[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  u32(): number {
    if (this.pos + 4 > this.bytes.length) throw new FormatError("message truncated");
    const b = this.bytes, p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) >>> 0) + (b[p + 1]! << 16) + (b[p + 2]! << 8) + b[p + 3]!;
  }

  /** A possibly compressed name; leaves `pos` after the name's bytes at its original location. */
  name(): string {
    const b = this.bytes;
    const labels: string[] = [];
    let p = this.pos;
    let end = -1; // where reading continues once the name is done (after the first pointer)
    let limit = p; // pointers must target offsets before this (strictly backwards: no loops)
    let wire = 1;
    for (;;) {
      if (p >= b.length) throw new FormatError("name runs past the end of the message");
      const len = b[p]!;
      if (len === 0) { p += 1; break; }
      const kind = len & 0xc0;
      if (kind === 0xc0) {
        if (p + 1 >= b.length) throw new FormatError("truncated compression pointer");
        const target = ((len & 0x3f) << 8) | b[p + 1]!;
        if (target >= limit) throw new FormatError("compression pointer does not point backwards");
        if (end < 0) end = p + 2;
        limit = target;
        p = target;
        continue;
      }
      if (kind !== 0) throw new FormatError(`unsupported label type 0x${kind.toString(16)}`);
      if (p + 1 + len > b.length) throw new FormatError("label runs past the end of the message");
      wire += len + 1;
      if (wire > MAX_NAME_WIRE) throw new FormatError("name longer than 255 bytes");
      labels.push(labelToString(b, p + 1, len));
      p += 1 + len;
    }
    this.pos = end >= 0 ? end : p;
    return labels.join(".");
  }
}
