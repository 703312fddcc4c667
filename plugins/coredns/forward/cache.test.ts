import { describe, expect, test } from "bun:test";
import { RRClass, RRType, Rcode } from "../dns/constants.ts";
import type { ResourceRecord } from "../dns/message.ts";
import { ResponseCache } from "./cache.ts";
import { nameserversOf, parseUpstream } from "./upstream.ts";

const a = (ttl: number): ResourceRecord => ({ name: "x.example", type: RRType.A, class: RRClass.IN, ttl, data: { address: "1.2.3.4" } });
const soa = (ttl: number, minimum: number): ResourceRecord => ({
  name: "example", type: RRType.SOA, class: RRClass.IN, ttl, data: { mname: "ns", rname: "h", serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
});

function cacheAt(maxSeconds = 30) {
  const clock = { t: 1_000_000 };
  return { clock, cache: new ResponseCache({ maxSeconds, now: () => clock.t, capacity: 3 }) };
}

describe("forward cache", () => {
  test("positive answers live min(TTL, cacheSeconds) and count their TTLs down", () => {
    const { clock, cache } = cacheAt();
    const e = cache.put("k", { rcode: Rcode.NOERROR, answers: [a(300)], authorities: [], additionals: [] })!;
    expect(e.expiresAt - e.storedAt).toBe(30_000);
    expect(e.answers[0]!.ttl).toBe(30);
    clock.t += 12_500;
    expect(cache.aged(cache.get("k")!).answers[0]!.ttl).toBe(18);
    clock.t += 17_500;
    expect(cache.get("k")).toBeUndefined();
    // A short TTL wins over the cap.
    expect(cache.put("short", { rcode: Rcode.NOERROR, answers: [a(7)], authorities: [], additionals: [] })!.expiresAt - clock.t).toBe(7_000);
  });

  test("negative caching: NXDOMAIN and NODATA for the SOA's min(TTL, MINIMUM), capped; none without SOA; never SERVFAIL", () => {
    const { cache } = cacheAt();
    const nx = cache.put("nx", { rcode: Rcode.NXDOMAIN, answers: [], authorities: [soa(3600, 20)], additionals: [] })!;
    expect([nx.negative, nx.expiresAt - nx.storedAt]).toEqual([true, 20_000]);
    const nodata = cache.put("nodata", { rcode: Rcode.NOERROR, answers: [], authorities: [soa(10, 900)], additionals: [] })!;
    expect(nodata.expiresAt - nodata.storedAt).toBe(10_000);
    expect(cache.put("capped", { rcode: Rcode.NXDOMAIN, answers: [], authorities: [soa(3600, 3600)], additionals: [] })!.expiresAt - nodata.storedAt).toBe(30_000);
    expect(cache.put("nosoa", { rcode: Rcode.NXDOMAIN, answers: [], authorities: [], additionals: [] })).toBeUndefined();
    expect(cache.put("fail", { rcode: Rcode.SERVFAIL, answers: [], authorities: [soa(60, 60)], additionals: [] })).toBeUndefined();
  });

  test("TTL 0 answers are kept the minimum 5 s; cacheSeconds 0 disables; capacity evicts the oldest", () => {
    const { cache } = cacheAt();
    const z = cache.put("z", { rcode: Rcode.NOERROR, answers: [a(0)], authorities: [], additionals: [] })!;
    expect(z.expiresAt - z.storedAt).toBe(5_000);
    expect(cacheAt(0).cache.put("k", { rcode: Rcode.NOERROR, answers: [a(60)], authorities: [], additionals: [] })).toBeUndefined();
    for (const k of ["a", "b", "c"]) cache.put(k, { rcode: Rcode.NOERROR, answers: [a(60)], authorities: [], additionals: [] });
    expect(cache.size).toBe(3);
    expect(cache.get("z")).toBeUndefined();
    expect(cache.get("c")).toBeDefined();
  });
});

describe("upstream addresses", () => {
  test("ip, ip:port, [v6]:port, dns://; names and tls:// refused; resolv.conf nameservers", () => {
    expect(parseUpstream("10.0.0.2")).toEqual({ host: "10.0.0.2", port: 53, label: "10.0.0.2:53" });
    expect(parseUpstream("127.0.0.1:5353")).toMatchObject({ port: 5353 });
    expect(parseUpstream("[fd00::1]:54")).toEqual({ host: "fd00::1", port: 54, label: "[fd00::1]:54" });
    expect(parseUpstream("fd00::1")).toMatchObject({ host: "fd00::1", port: 53 });
    expect(parseUpstream("dns://1.1.1.1")).toMatchObject({ host: "1.1.1.1" });
    expect(parseUpstream("tls://1.1.1.1")).toContain("only plain DNS");
    expect(parseUpstream("dns.google")).toContain("not an IP address");
    expect(parseUpstream("1.1.1.1:0")).toContain("port");
    expect(nameserversOf("# x\nnameserver 127.0.0.53\nsearch a\nnameserver fd00::1 # c\noptions edns0\n")).toEqual(["127.0.0.53", "fd00::1"]);
  });
});
