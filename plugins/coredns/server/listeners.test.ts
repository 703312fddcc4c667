import { afterEach, describe, expect, test } from "bun:test";
import { RRType } from "../dns/constants.ts";
import { decodeMessage } from "../dns/decode.ts";
import { exchangeTcp, queryBytes, queryUdp } from "../testing/dns-client.ts";
import { AddressInUseError, startDnsListeners, type DnsListeners } from "./listeners.ts";

let open: DnsListeners[] = [];
afterEach(() => {
  for (const l of open) l.close();
  open = [];
});

/** Echoes the query back with QR set (asynchronously for names starting with "slow"). */
function echo(query: Uint8Array): Uint8Array | Promise<Uint8Array> | undefined {
  if (query.length < 12) return undefined;
  const out = query.slice();
  out[2] = out[2]! | 0x80;
  return decodeMessage(query).questions[0]?.name.startsWith("slow") ? Bun.sleep(30).then(() => out) : out;
}

describe("DNS listeners", () => {
  test("UDP and TCP on the same OS-assigned port; pipelined TCP queries are each answered", async () => {
    const l = await startDnsListeners({ hostname: "127.0.0.1", port: 0, handle: echo });
    open.push(l);
    expect(l.port).toBeGreaterThan(0);
    expect((await queryUdp(l.port, "a.example", RRType.A, { id: 11 })).id).toBe(11);
    // Two framed queries in one write, the first slow: both answers arrive (the fast one first).
    const q1 = queryBytes("slow.example", RRType.A, { id: 1 });
    const q2 = queryBytes("fast.example", RRType.A, { id: 2 });
    const ids: number[] = [];
    await new Promise<void>((resolve, reject) => {
      let buf = new Uint8Array(0);
      void Bun.connect({
        hostname: "127.0.0.1", port: l.port,
        socket: {
          open(s) {
            const both = new Uint8Array(q1.length + q2.length + 4);
            both.set([q1.length >> 8, q1.length & 0xff]); both.set(q1, 2);
            both.set([q2.length >> 8, q2.length & 0xff], q1.length + 2); both.set(q2, q1.length + 4);
            s.write(both);
          },
          data(s, chunk) {
            const next = new Uint8Array(buf.length + chunk.length);
            next.set(buf); next.set(chunk, buf.length);
            buf = next;
            while (buf.length >= 2 && buf.length >= 2 + ((buf[0]! << 8) | buf[1]!)) {
              const len = (buf[0]! << 8) | buf[1]!;
              ids.push(decodeMessage(buf.slice(2, 2 + len)).id);
              buf = buf.slice(2 + len);
            }
            if (ids.length === 2) { s.end(); resolve(); }
          },
          error(_s, e) { reject(e); },
        },
      });
    });
    expect(ids).toEqual([2, 1]);
  });

  test("a taken port is an AddressInUseError naming the address", async () => {
    const l = await startDnsListeners({ hostname: "127.0.0.1", port: 0, handle: echo });
    open.push(l);
    const err = await startDnsListeners({ hostname: "127.0.0.1", port: l.port, handle: echo }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(AddressInUseError);
    expect((err as Error).message).toContain(`127.0.0.1:${l.port} is already in use`);
  });

  test("garbage and a handler that throws do not take the listeners down", async () => {
    const l = await startDnsListeners({
      hostname: "127.0.0.1", port: 0,
      handle: (q) => { if (q.length < 12) throw new Error("boom"); return echo(q); },
    });
    open.push(l);
    const sock = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
    sock.send(Uint8Array.from([1, 2, 3]), l.port, "127.0.0.1");
    sock.close();
    await exchangeTcp(l.port, Uint8Array.from([1]), { timeoutMs: 100 }).catch(() => {});
    expect((await queryUdp(l.port, "still.example", RRType.A, { id: 3 })).id).toBe(3);
    expect(decodeMessage(await exchangeTcp(l.port, queryBytes("tcp.example", RRType.A, { id: 4 }))).id).toBe(4);
  });
});
