/**
 * Asks upstream resolvers: one query at a time per call, over UDP with EDNS0 (1232 bytes), again
 * over TCP when the answer comes back truncated, moving to the next upstream when one times out
 * or fails. A reply is accepted only from the upstream's address and port, with the query's ID and
 * question (so spoofed or stale datagrams are ignored). Rejects with the last error when every
 * upstream failed; the caller answers SERVFAIL. `close` ends sockets and fails pending queries.
 */
import type { Socket, udp } from "bun";
import { EDNS_UDP_SIZE, RRClass, rcodeName } from "../dns/constants.ts";
import { decodeMessage } from "../dns/decode.ts";
import { encodeMessage } from "../dns/encode.ts";
import { canonicalName, emptyFlags, type Message, type Question } from "../dns/message.ts";
import type { Upstream } from "./upstream.ts";

export interface ForwarderOptions {
  /** Per upstream and transport attempt; default 2000 ms. */
  timeoutMs?: number;
  /** Called once per attempt with its outcome ("NOERROR", "NXDOMAIN", ..., "timeout", "error"). */
  onAttempt?: (upstream: Upstream, outcome: string, ms: number) => void;
}

export interface Forwarder {
  query(question: Question, upstreams: readonly Upstream[]): Promise<Message>;
  close(): void;
}

interface Pending {
  upstream: Upstream;
  question: Question;
  resolve(m: Message): void;
  reject(e: Error): void;
}

export function createForwarder(opts: ForwarderOptions = {}): Forwarder {
  const timeoutMs = opts.timeoutMs ?? 2000;
  const pending = new Map<number, Pending>();
  const sockets = new Map<string, Promise<udp.Socket<"uint8array">>>();
  let closed = false;

  function socketFor(family: "v4" | "v6"): Promise<udp.Socket<"uint8array">> {
    let s = sockets.get(family);
    if (!s) {
      s = Bun.udpSocket({
        hostname: family === "v4" ? "0.0.0.0" : "::", port: 0, binaryType: "uint8array",
        socket: {
          data: (_s, data, port, address) => onDatagram(data, port, address),
          // ICMP errors (an upstream port closed) cannot be tied to a query: that attempt times out.
          error: () => {},
        },
      });
      sockets.set(family, s);
    }
    return s;
  }

  function onDatagram(data: Uint8Array, port: number, address: string): void {
    if (data.length < 12) return;
    const id = (data[0]! << 8) | data[1]!;
    const p = pending.get(id);
    if (!p || p.upstream.port !== port || p.upstream.host !== normalizeAddress(address)) return;
    let msg: Message;
    try {
      msg = decodeMessage(data);
    } catch {
      return; // garbage from the right address: keep waiting (the timeout fails the attempt)
    }
    const q = msg.questions[0];
    if (!msg.flags.qr || !q || q.type !== p.question.type || canonicalName(q.name) !== canonicalName(p.question.name)) return;
    pending.delete(id);
    p.resolve(msg);
  }

  function newId(): number {
    const buf = new Uint16Array(1);
    for (;;) {
      crypto.getRandomValues(buf);
      if (!pending.has(buf[0]!)) return buf[0]!;
    }
  }

  function queryBytes(id: number, question: Question): Uint8Array {
    return encodeMessage({
      id, flags: { ...emptyFlags(), rd: true }, questions: [{ ...question, class: question.class || RRClass.IN }],
      answers: [], authorities: [], additionals: [], edns: { udpSize: EDNS_UDP_SIZE, version: 0, dnssecOk: false, options: [] },
    }).bytes;
  }

  async function overUdp(question: Question, upstream: Upstream): Promise<Message> {
    const socket = await socketFor(upstream.host.includes(":") ? "v6" : "v4");
    const id = newId();
    return withTimeout(new Promise<Message>((resolve, reject) => {
      pending.set(id, { upstream, question, resolve, reject });
      if (!socket.send(queryBytes(id, question), upstream.port, upstream.host)) {
        pending.delete(id);
        reject(new Error("UDP send buffer full"));
      }
    }), () => pending.delete(id));
  }

  async function overTcp(question: Question, upstream: Upstream): Promise<Message> {
    const id = newId();
    let socket: Socket | undefined;
    const answer = new Promise<Message>((resolve, reject) => {
      let buf = new Uint8Array(0);
      Bun.connect({
        hostname: upstream.host, port: upstream.port,
        socket: {
          open(s) {
            socket = s;
            const q = queryBytes(id, question);
            const framed = new Uint8Array(q.length + 2);
            framed[0] = q.length >> 8; framed[1] = q.length & 0xff;
            framed.set(q, 2);
            s.write(framed);
          },
          data(_s, chunk) {
            const next = new Uint8Array(buf.length + chunk.length);
            next.set(buf); next.set(chunk, buf.length);
            buf = next;
            if (buf.length < 2) return;
            const len = (buf[0]! << 8) | buf[1]!;
            if (buf.length < len + 2) return;
            try {
              const msg = decodeMessage(buf.subarray(2, 2 + len));
              if (msg.id !== id) throw new Error("TCP answer with a different ID");
              resolve(msg);
            } catch (err) {
              reject(err as Error);
            }
          },
          close() { reject(new Error("connection closed before an answer")); },
          error(_s, err) { reject(err); },
        },
      }).catch(reject);
    });
    try {
      return await withTimeout(answer, () => {});
    } finally {
      socket?.end();
    }
  }

  function withTimeout<T>(p: Promise<T>, onTimeout: () => void): Promise<T> {
    let timer: Timer | undefined;
    const t = new Promise<never>((_, reject) => {
      timer = setTimeout(() => { onTimeout(); reject(new TimeoutError(`no answer within ${timeoutMs} ms`)); }, timeoutMs);
    });
    return Promise.race([p, t]).finally(() => clearTimeout(timer));
  }

  return {
    async query(question, upstreams) {
      if (upstreams.length === 0) throw new Error("no upstream resolvers are configured");
      let last: Error = new Error("no upstream answered");
      for (const upstream of upstreams) {
        if (closed) throw new Error("forwarder closed");
        const started = performance.now();
        try {
          let msg = await overUdp(question, upstream);
          if (msg.flags.tc) msg = await overTcp(question, upstream);
          opts.onAttempt?.(upstream, rcodeName(msg.flags.rcode), performance.now() - started);
          return msg;
        } catch (err) {
          last = new Error(`${upstream.label}: ${(err as Error).message}`);
          opts.onAttempt?.(upstream, err instanceof TimeoutError ? "timeout" : "error", performance.now() - started);
        }
      }
      throw last;
    },
    close() {
      closed = true;
      for (const p of pending.values()) p.reject(new Error("forwarder closed"));
      pending.clear();
      for (const s of sockets.values()) void s.then((x) => x.close(), () => {});
      sockets.clear();
    },
  };
}

class TimeoutError extends Error {}

/** Bun reports IPv4-mapped or bracketed forms in some cases; compare canonical text. */
function normalizeAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
