/** A minimal stub resolver for tests and benchmarks: one query over UDP or TCP to host:port, decoded. */
import { RRClass } from "../dns/constants.ts";
import { decodeMessage } from "../dns/decode.ts";
import { encodeMessage } from "../dns/encode.ts";
import { emptyFlags, type Message } from "../dns/message.ts";
import { udpError } from "../server/listeners.ts";

export interface QueryOptions {
  host?: string;
  /** EDNS0 UDP size to advertise; none when undefined. */
  edns?: number;
  id?: number;
  timeoutMs?: number;
}

export function queryBytes(name: string, type: number, o: QueryOptions = {}): Uint8Array {
  return encodeMessage({
    id: o.id ?? Math.floor(Math.random() * 65536), flags: { ...emptyFlags(), rd: true },
    questions: [{ name, type, class: RRClass.IN }], answers: [], authorities: [], additionals: [],
    ...(o.edns ? { edns: { udpSize: o.edns, version: 0, dnssecOk: false, options: [] } } : {}),
  }).bytes;
}

/** Sends raw bytes over UDP and resolves with the raw answer. */
export async function exchangeUdp(port: number, bytes: Uint8Array, o: QueryOptions = {}): Promise<Uint8Array> {
  const host = o.host ?? "127.0.0.1";
  let done!: (b: Uint8Array) => void;
  let fail!: (e: Error) => void;
  const got = new Promise<Uint8Array>((resolve, reject) => { done = resolve; fail = reject; });
  const sock = await Bun.udpSocket({
    hostname: host, port: 0, binaryType: "uint8array",
    socket: { data: (_s, d) => done(d), error: (...args: unknown[]) => fail(new Error(`no answer over UDP: ${udpError(args).message}`)) },
  });
  try {
    sock.send(bytes, port, host);
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error("no answer over UDP")), o.timeoutMs ?? 2000); });
    try {
      return await Promise.race([got, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    sock.close();
  }
}

export async function queryUdp(port: number, name: string, type: number, o: QueryOptions = {}): Promise<Message> {
  return decodeMessage(await exchangeUdp(port, queryBytes(name, type, o), o));
}

/** Sends raw bytes over TCP (framed) and resolves with the raw answer. */
export async function exchangeTcp(port: number, bytes: Uint8Array, o: QueryOptions = {}): Promise<Uint8Array> {
  let buf = new Uint8Array(0);
  return await new Promise<Uint8Array>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer over TCP")), o.timeoutMs ?? 2000);
    void Bun.connect({
      hostname: o.host ?? "127.0.0.1", port,
      socket: {
        open(s) {
          const framed = new Uint8Array(bytes.length + 2);
          framed[0] = bytes.length >> 8; framed[1] = bytes.length & 0xff;
          framed.set(bytes, 2);
          s.write(framed);
        },
        data(s, chunk) {
          const next = new Uint8Array(buf.length + chunk.length);
          next.set(buf); next.set(chunk, buf.length);
          buf = next;
          if (buf.length >= 2 && buf.length >= 2 + ((buf[0]! << 8) | buf[1]!)) {
            clearTimeout(timer);
            s.end();
            resolve(buf.slice(2, 2 + ((buf[0]! << 8) | buf[1]!)));
          }
        },
        error(_s, err) { clearTimeout(timer); reject(err); },
      },
    }).catch((err) => { clearTimeout(timer); reject(err); });
  });
}

export async function queryTcp(port: number, name: string, type: number, o: QueryOptions = {}): Promise<Message> {
  return decodeMessage(await exchangeTcp(port, queryBytes(name, type, o), o));
}
