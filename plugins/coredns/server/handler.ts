/**
 * The query pipeline: bytes in, bytes out. Order of resolution, as CoreDNS with K3s' Corefile:
 * hosts entries (node names, coredns-custom `hosts`) -> coredns-custom forward zones (longest
 * match) -> the cluster domain and its reverse zones -> the default upstreams, through the cache.
 * Malformed queries get FORMERR, opcodes other than QUERY get NOTIMP, EDNS versions above 0 get
 * BADVERS, responses (QR set) and runts are dropped; nothing a client sends can throw out of here.
 * UDP answers fit 512 bytes or the client's EDNS size (TC set otherwise); TCP carries everything.
 */
import { CLASSIC_UDP_SIZE, EDNS_UDP_SIZE, MAX_UDP_SIZE, Opcode, RRClass, RRType, Rcode } from "../dns/constants.ts";
import { decodeMessage } from "../dns/decode.ts";
import { encodeMessage } from "../dns/encode.ts";
import { canonicalName, emptyFlags, inZone, type Message, type Question, type ResourceRecord } from "../dns/message.ts";
import type { ResponseCache, CachedResponse } from "../forward/cache.ts";
import type { Forwarder } from "../forward/forwarder.ts";
import type { Upstream } from "../forward/upstream.ts";
import type { AnswerSource, DnsMetrics } from "../metrics.ts";
import type { ClusterZone } from "../zone/cluster-zone.ts";
import type { HostsTable } from "../zone/hosts.ts";
import { parsePlainQuery, serveTemplate, TemplateStore, type Template } from "./templates.ts";

export interface ForwardZone {
  /** Canonical zone, e.g. "example.io". */
  zone: string;
  upstreams: Upstream[];
}

export interface HandlerOptions {
  cluster: ClusterZone;
  hosts: HostsTable;
  /** Grows whenever cluster or hosts data change (cluster answers prepared earlier then die). */
  generation: () => number;
  /** Current forward zones and default upstreams (they change with the coredns-custom ConfigMap). */
  forwardZones: () => readonly ForwardZone[];
  upstreams: () => readonly Upstream[];
  cache: ResponseCache;
  forwarder: Forwarder;
  metrics: DnsMetrics;
  now?: () => number;
  /** Called with unexpected internal errors (the query is answered SERVFAIL). */
  onError?: (err: Error) => void;
}

export type Proto = "udp" | "tcp";

export interface QueryHandler {
  /** The response to send, or undefined to send nothing. Synchronous when the answer is prepared. */
  handle(query: Uint8Array, proto: Proto): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Drops prepared answers (after configuration changes). */
  reset(): void;
}

interface Resolution {
  rcode: number;
  authoritative: boolean;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  source: AnswerSource;
  /** Set when the whole answer is a cache entry (served as a counting-down template). */
  cached?: CachedResponse;
  /** False when the answer mixes in upstream data or must not be prepared. */
  preparable: boolean;
}

const MAX_CHASE = 8;

export function createQueryHandler(opts: HandlerOptions): QueryHandler {
  const now = opts.now ?? Date.now;
  const templates = new TemplateStore();
  const inflight = new Map<string, Promise<CachedResponse | Resolution>>();
  const { metrics } = opts;

  function fast(query: Uint8Array, proto: Proto, started: number): Uint8Array | undefined {
    const parsed = parsePlainQuery(query);
    if (!parsed) return undefined;
    const t = templates.get(parsed.key, opts.generation(), now());
    if (!t) return undefined;
    const out = serveTemplate(t, query, parsed.nameEnd, proto === "tcp" ? 65535 : parsed.udpSize, now());
    if (!out) return undefined;
    if (t.source === "cache") metrics.cacheHits++;
    metrics.record(proto, parsed.qtype, t.rcode, t.source, (performance.now() - started) / 1000);
    return out;
  }

  async function slow(query: Uint8Array, proto: Proto, started: number): Promise<Uint8Array | undefined> {
    if (query.length < 12 || (query[2]! & 0x80) !== 0) { metrics.dropped++; return undefined; }
    let msg: Message;
    try {
      msg = decodeMessage(query);
    } catch {
      return finish(errorReply(query, Rcode.FORMERR), proto, 0, Rcode.FORMERR, "error", started);
    }
    const q = msg.questions[0];
    const qtype = q?.type ?? 0;
    if (msg.flags.opcode !== Opcode.QUERY) return finish(reply(msg, Rcode.NOTIMP), proto, qtype, Rcode.NOTIMP, "error", started);
    if (msg.questions.length !== 1 || !q) return finish(reply(msg, Rcode.FORMERR), proto, qtype, Rcode.FORMERR, "error", started);
    if (msg.edns && msg.edns.version > 0) return finish(reply(msg, Rcode.BADVERS), proto, qtype, Rcode.BADVERS, "error", started);
    if (q.type === RRType.OPT) return finish(reply(msg, Rcode.FORMERR), proto, qtype, Rcode.FORMERR, "error", started);

    const generation = opts.generation();
    let r: Resolution;
    try {
      r = await resolve(canonicalName(q.name), q.type, q.class, 0);
    } catch (err) {
      opts.onError?.(err as Error);
      return finish(reply(msg, Rcode.SERVFAIL), proto, qtype, Rcode.SERVFAIL, "error", started);
    }
    const maxSize = proto === "tcp" ? 65535 : msg.edns ? Math.min(Math.max(msg.edns.udpSize, CLASSIC_UDP_SIZE), MAX_UDP_SIZE) : CLASSIC_UDP_SIZE;
    const key = !q.name.includes("\\") ? `${msg.edns ? 1 : 0}|${q.type}|${q.class}|${canonicalName(q.name)}` : undefined;

    if (r.cached) {
      // Prepare the stored entry once; this and later queries are served from it with TTLs counted down.
      const t = key ? buildTemplate(msg, r, r.cached, -1) : undefined;
      if (t && key) templates.set(key, t);
      const parsed = parsePlainQuery(query);
      const out = t && parsed ? serveTemplate(t, query, parsed.nameEnd, maxSize, now()) : undefined;
      if (out) return finish(out, proto, qtype, r.rcode, r.source, started);
      const aged = opts.cache.aged(r.cached);
      r = { ...r, answers: aged.answers, authorities: aged.authorities, additionals: aged.additionals };
    }
    const encoded = encodeMessage(responseOf(msg, r), { maxSize });
    if (key && r.preparable && !encoded.truncated && !r.cached && generation === opts.generation()) {
      templates.set(key, templateOf(encoded, r, generation));
    }
    return finish(encoded.bytes, proto, qtype, r.rcode, r.source, started);
  }

  function finish(bytes: Uint8Array, proto: Proto, qtype: number, rcode: number, source: AnswerSource, started: number): Uint8Array {
    metrics.record(proto, qtype, rcode, source, (performance.now() - started) / 1000);
    return bytes;
  }

  function buildTemplate(msg: Message, r: Resolution, entry: CachedResponse, generation: number): Template | undefined {
    const stored: Resolution = { ...r, answers: entry.answers, authorities: entry.authorities, additionals: entry.additionals };
    const encoded = encodeMessage(responseOf(msg, stored), {});
    return { ...templateOf(encoded, stored, generation), source: "cache", storedAt: entry.storedAt, expiresAt: entry.expiresAt };
  }

  function templateOf(encoded: { bytes: Uint8Array; ttlOffsets: number[] }, r: Resolution, generation: number): Template {
    return {
      bytes: encoded.bytes, ttlOffsets: encoded.ttlOffsets,
      ttls: [...r.answers, ...r.authorities, ...r.additionals].map((x) => x.ttl),
      generation, storedAt: 0, expiresAt: 0, rcode: r.rcode, source: r.source,
    };
  }

  async function resolve(qname: string, qtype: number, qclass: number, depth: number): Promise<Resolution> {
    if (qclass === RRClass.IN || qclass === RRClass.ANY) {
      const fromHosts = opts.hosts.answer(qname, qtype);
      if (fromHosts) return { ...fromHosts, source: "hosts", preparable: true };
    }
    let fz: ForwardZone | undefined;
    for (const z of opts.forwardZones()) if (inZone(qname, z.zone) && (!fz || z.zone.length > fz.zone.length)) fz = z;
    if (fz) return forward({ name: qname, type: qtype, class: qclass }, fz.upstreams);
    if (opts.cluster.owns(qname)) {
      if (qclass !== RRClass.IN && qclass !== RRClass.ANY) {
        return { rcode: Rcode.REFUSED, authoritative: false, answers: [], authorities: [], additionals: [], source: "cluster", preparable: true };
      }
      const a = opts.cluster.answer(qname, qtype);
      if (a.chase === undefined) return { ...a, source: "cluster", preparable: true };
      if (depth >= MAX_CHASE) return { ...a, rcode: Rcode.SERVFAIL, source: "cluster", preparable: false };
      const next = await resolve(canonicalName(a.chase), qtype, qclass, depth + 1);
      const internal = next.source === "cluster" || next.source === "hosts";
      const sub = next.cached ? opts.cache.aged(next.cached) : next;
      return {
        rcode: next.rcode, authoritative: a.authoritative && internal,
        answers: [...a.answers, ...sub.answers], authorities: sub.answers.length ? [] : sub.authorities, additionals: sub.additionals,
        source: internal ? "cluster" : next.source, preparable: internal && next.preparable,
      };
    }
    return forward({ name: qname, type: qtype, class: qclass }, opts.upstreams());
  }

  async function forward(q: Question, upstreams: readonly Upstream[]): Promise<Resolution> {
    const cacheKey = `${q.type}|${q.class}|${q.name}`;
    const hit = opts.cache.get(cacheKey);
    if (hit) {
      metrics.cacheHits++;
      return fromCache(hit, "cache");
    }
    metrics.cacheMisses++;
    let p = inflight.get(cacheKey);
    if (!p) {
      p = ask(q, upstreams, cacheKey).finally(() => inflight.delete(cacheKey));
      inflight.set(cacheKey, p);
    }
    const got = await p;
    return "storedAt" in got ? fromCache(got, "forward") : got;
  }

  function fromCache(e: CachedResponse, source: AnswerSource): Resolution {
    return { rcode: e.rcode, authoritative: false, answers: e.answers, authorities: e.authorities, additionals: e.additionals, source, cached: e, preparable: false };
  }

  async function ask(q: Question, upstreams: readonly Upstream[], cacheKey: string): Promise<CachedResponse | Resolution> {
    let m: Message;
    try {
      m = await opts.forwarder.query(q, upstreams);
    } catch {
      return { rcode: Rcode.SERVFAIL, authoritative: false, answers: [], authorities: [], additionals: [], source: "error", preparable: false };
    }
    const r = { rcode: m.flags.rcode, answers: m.answers, authorities: m.authorities, additionals: m.additionals };
    const stored = opts.cache.put(cacheKey, r);
    return stored ?? { ...r, authoritative: false, source: "forward", preparable: false };
  }

  return {
    handle(query, proto) {
      const started = performance.now();
      try {
        return fast(query, proto, started) ?? slow(query, proto, started).catch((err: Error) => {
          opts.onError?.(err);
          return undefined;
        });
      } catch (err) {
        opts.onError?.(err as Error);
        return undefined;
      }
    },
    reset() {
      templates.clear();
    },
  };
}

/** The response skeleton for `query` with `rcode` and no records. */
function reply(query: Message, rcode: number): Uint8Array {
  return encodeMessage(responseOf(query, { rcode, authoritative: false, answers: [], authorities: [], additionals: [] })).bytes;
}

function responseOf(query: Message, r: Pick<Resolution, "rcode" | "authoritative" | "answers" | "authorities" | "additionals">): Message {
  return {
    id: query.id,
    flags: { ...emptyFlags(), qr: true, opcode: query.flags.opcode, aa: r.authoritative, rd: query.flags.rd, ra: true, cd: query.flags.cd, rcode: r.rcode },
    questions: query.flags.opcode === Opcode.QUERY ? query.questions.slice(0, 1) : [],
    answers: r.answers, authorities: r.authorities, additionals: r.additionals,
    ...(query.edns ? { edns: { udpSize: EDNS_UDP_SIZE, version: 0, dnssecOk: false, options: [] } } : {}),
  };
}

/** A bare header answering an undecodable query: its ID, opcode and RD, no sections. */
function errorReply(query: Uint8Array, rcode: number): Uint8Array {
  const out = new Uint8Array(12);
  out[0] = query[0]!;
  out[1] = query[1]!;
  out[2] = 0x80 | (query[2]! & 0x79); // QR, the opcode and RD of the query
  out[3] = 0x80 | rcode; // RA
  return out;
}
