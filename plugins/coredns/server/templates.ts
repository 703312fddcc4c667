/**
 * Prepared answers for the hot path. A template is a complete encoded response to one question
 * (lowercased name, type, class, with or without EDNS); serving it to a new query copies the bytes
 * and patches what differs per query: the ID, the RD and CD bits, the question name's letter case,
 * and (for cached upstream answers) the TTLs counted down since the answer was stored. Parsing is
 * deliberately narrow: a plain single-question query without compression or escapes, with at most
 * an EDNS0 version 0 OPT record; anything else (and any template too large for the client) goes
 * the slow, fully decoding path. Templates of cluster answers carry the data generation they were
 * computed from and die when it changes; cached upstream answers die when their cache entry expires.
 */
import { CLASSIC_UDP_SIZE, MAX_UDP_SIZE, RRType } from "../dns/constants.ts";
import type { AnswerSource } from "../metrics.ts";

export interface ParsedQuery {
  /** `${edns}|${type}|${class}|${lowercased name}`. */
  key: string;
  qtype: number;
  /** Offset just past the question name. */
  nameEnd: number;
  /** Largest response the client takes over UDP. */
  udpSize: number;
}

export interface Template {
  bytes: Uint8Array;
  ttlOffsets: readonly number[];
  ttls: readonly number[];
  /** Cluster templates: the generation they were built at (-1 for cached upstream answers). */
  generation: number;
  /** Cached upstream answers: when they were stored and expire (ms). */
  storedAt: number;
  expiresAt: number;
  rcode: number;
  source: AnswerSource;
}

/** The template key and facts of a plain query, or undefined when the slow path must look at it. */
export function parsePlainQuery(b: Uint8Array): ParsedQuery | undefined {
  const n = b.length;
  // Header: QR=0, opcode 0; exactly one question, no answers/authorities, at most one additional.
  if (n < 17 || (b[2]! & 0xf8) !== 0 || b[4] !== 0 || b[5] !== 1 || b[6] !== 0 || b[7] !== 0 || b[8] !== 0 || b[9] !== 0 || b[10] !== 0 || b[11]! > 1) return undefined;
  let p = 12;
  let name = "";
  for (;;) {
    if (p >= n) return undefined;
    const len = b[p]!;
    if (len === 0) { p++; break; }
    if (len > 63 || p + 1 + len > n) return undefined;
    if (name.length) name += ".";
    for (let i = p + 1; i <= p + len; i++) {
      let c = b[i]!;
      if (c <= 32 || c >= 127 || c === 46 || c === 92) return undefined;
      if (c >= 65 && c <= 90) c += 32;
      name += String.fromCharCode(c);
    }
    p += 1 + len;
  }
  if (p - 12 > 255 || p + 4 > n) return undefined;
  const nameEnd = p;
  const qtype = (b[p]! << 8) | b[p + 1]!;
  const qclass = (b[p + 2]! << 8) | b[p + 3]!;
  p += 4;
  let edns = 0;
  let udpSize = CLASSIC_UDP_SIZE;
  if (b[11] === 1) {
    // OPT: root name, type 41, class = UDP size, TTL = ext-rcode|version|flags, RDLEN + options.
    if (p + 11 > n || b[p] !== 0 || ((b[p + 1]! << 8) | b[p + 2]!) !== RRType.OPT || b[p + 6] !== 0) return undefined;
    udpSize = Math.min(Math.max((b[p + 3]! << 8) | b[p + 4]!, CLASSIC_UDP_SIZE), MAX_UDP_SIZE);
    const rdlen = (b[p + 9]! << 8) | b[p + 10]!;
    p += 11 + rdlen;
    edns = 1;
  }
  if (p !== n || qtype === RRType.OPT) return undefined;
  return { key: `${edns}|${qtype}|${qclass}|${name}`, qtype, nameEnd, udpSize };
}

/**
 * The template's bytes made into the answer to `query`, or undefined when it does not fit
 * `maxSize` (the slow path then truncates). `now` in ms for counting TTLs down.
 */
export function serveTemplate(t: Template, query: Uint8Array, nameEnd: number, maxSize: number, now: number): Uint8Array | undefined {
  if (t.bytes.length > maxSize) return undefined;
  const out = t.bytes.slice();
  out[0] = query[0]!;
  out[1] = query[1]!;
  out[2] = (out[2]! & 0xfe) | (query[2]! & 0x01); // RD
  out[3] = (out[3]! & 0xef) | (query[3]! & 0x10); // CD
  out.set(query.subarray(12, nameEnd), 12);
  if (t.generation < 0) {
    const elapsed = Math.floor((now - t.storedAt) / 1000);
    if (elapsed > 0) {
      for (let i = 0; i < t.ttlOffsets.length; i++) {
        const ttl = Math.max(0, t.ttls[i]! - elapsed);
        const o = t.ttlOffsets[i]!;
        out[o] = ttl >>> 24; out[o + 1] = (ttl >>> 16) & 0xff; out[o + 2] = (ttl >>> 8) & 0xff; out[o + 3] = ttl & 0xff;
      }
    }
  }
  return out;
}

/** Templates by key, bounded: when full it starts over (entries are cheap to rebuild). */
export class TemplateStore {
  private readonly map = new Map<string, Template>();
  constructor(private readonly capacity = 20_000) {}

  /** A template still valid at `generation` and `now`, or undefined. */
  get(key: string, generation: number, now: number): Template | undefined {
    const t = this.map.get(key);
    if (!t) return undefined;
    if (t.generation >= 0 ? t.generation === generation : now < t.expiresAt) return t;
    this.map.delete(key);
    return undefined;
  }

  set(key: string, t: Template): void {
    if (this.map.size >= this.capacity) this.map.clear();
    this.map.set(key, t);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
