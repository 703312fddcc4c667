import { describe, expect, test } from "bun:test";
import { RRClass, RRType, Rcode } from "../dns/constants.ts";
import { decodeMessage } from "../dns/decode.ts";
import { encodeMessage } from "../dns/encode.ts";
import { parseCidr } from "../dns/ip.ts";
import { emptyFlags, type Message, type Question, type ResourceRecord } from "../dns/message.ts";
import { ResponseCache } from "../forward/cache.ts";
import type { Forwarder } from "../forward/forwarder.ts";
import { parseUpstream, type Upstream } from "../forward/upstream.ts";
import { DnsMetrics } from "../metrics.ts";
import { queryBytes } from "../testing/dns-client.ts";
import { TEST_SOA } from "../testing/test-upstream.ts";
import { ClusterData } from "../zone/cluster-data.ts";
import { createClusterZone } from "../zone/cluster-zone.ts";
import { HostsTable } from "../zone/hosts.ts";
import { createQueryHandler, type ForwardZone, type Proto } from "./handler.ts";

const A = (name: string, address: string, ttl = 300): ResourceRecord => ({ name, type: RRType.A, class: RRClass.IN, ttl, data: { address } });

/** A forwarder answering from a table, recording what it was asked (no sockets). */
function fakeForwarder(table: Record<string, ResourceRecord[]>) {
  const asked: string[] = [];
  let failing = false;
  const forwarder: Forwarder = {
    async query(q: Question, upstreams: readonly Upstream[]): Promise<Message> {
      asked.push(`${q.name} ${q.type} -> ${upstreams.map((u) => u.label).join(",")}`);
      if (failing) throw new Error("timeout");
      const records = (table[q.name] ?? []).filter((r) => r.type === q.type);
      return {
        id: 1, flags: { ...emptyFlags(), qr: true, ra: true, rcode: table[q.name] ? Rcode.NOERROR : Rcode.NXDOMAIN },
        questions: [q], answers: records, authorities: records.length ? [] : [TEST_SOA], additionals: [],
      };
    },
    close() {},
  };
  return { forwarder, asked, fail: (f: boolean) => { failing = f; } };
}

function setup(opts: { forwardZones?: ForwardZone[] } = {}) {
  const clock = { t: 5_000_000 };
  const data = new ClusterData();
  data.upsertService({ metadata: { namespace: "default", name: "kubernetes" }, spec: { clusterIP: "10.43.0.1", ports: [{ name: "https", port: 443 }] } });
  data.upsertService({ metadata: { namespace: "default", name: "ext" }, spec: { type: "ExternalName", externalName: "db.example.com" } });
  data.upsertService({ metadata: { namespace: "default", name: "alias" }, spec: { type: "ExternalName", externalName: "kubernetes.default.svc.cluster.local" } });
  data.upsertService({ metadata: { namespace: "default", name: "big" }, spec: { clusterIP: "None" } });
  data.upsertSlice({
    metadata: { namespace: "default", name: "big-1", labels: { "kubernetes.io/service-name": "big" } },
    endpoints: Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.42.1.${i}`], conditions: { ready: true } })), ports: [],
  });
  const hosts = new HostsTable();
  hosts.setSource("nodes", [{ name: "node-1", ip: "192.168.5.10", ttl: 60 }]);
  const zone = createClusterZone(data, { zone: "cluster.local", dnsIP: "10.43.0.10", ttl: 5, reverseCidrs: [parseCidr("10.43.0.0/16")!] });
  const fake = fakeForwarder({ "db.example.com": [A("db.example.com", "192.0.2.7", 120)], "www.example.org": [A("www.example.org", "192.0.2.8", 600)] });
  const cache = new ResponseCache({ maxSeconds: 30, now: () => clock.t });
  const metrics = new DnsMetrics(() => cache.size);
  const upstreams = [parseUpstream("127.0.0.1:5300") as Upstream];
  const handler = createQueryHandler({
    cluster: zone, hosts, cache, forwarder: fake.forwarder, metrics, now: () => clock.t,
    generation: () => data.generation + hosts.generation, forwardZones: () => opts.forwardZones ?? [], upstreams: () => upstreams,
  });
  const ask = async (bytes: Uint8Array, proto: Proto = "udp") => {
    const out = await handler.handle(bytes, proto);
    return out && decodeMessage(out);
  };
  return { handler, ask, clock, data, fake, metrics, cache };
}

describe("query handler", () => {
  test("cluster answers are authoritative, prepared once and then served with the asker's ID and letter case", async () => {
    const h = setup();
    const first = await h.ask(queryBytes("kubernetes.default.svc.cluster.local", RRType.A, { id: 7 }));
    expect(first).toMatchObject({ id: 7, flags: { qr: true, aa: true, rd: true, ra: true, rcode: Rcode.NOERROR } });
    expect(first!.answers.map((r) => r.data)).toEqual([{ address: "10.43.0.1" }]);
    const second = h.handler.handle(queryBytes("KUBERNETES.default.svc.Cluster.Local", RRType.A, { id: 9 }), "udp");
    expect(second).toBeInstanceOf(Uint8Array); // synchronous: the prepared answer
    const m = decodeMessage(second as Uint8Array);
    expect(m.id).toBe(9);
    expect(m.questions[0]!.name).toBe("KUBERNETES.default.svc.Cluster.Local");
    expect(m.answers[0]!.data).toEqual({ address: "10.43.0.1" });
    // A change to the data retires the prepared answer.
    h.data.upsertService({ metadata: { namespace: "default", name: "kubernetes" }, spec: { clusterIP: "10.43.0.2", ports: [{ port: 443 }] } });
    expect((await h.ask(queryBytes("kubernetes.default.svc.cluster.local", RRType.A)))!.answers[0]!.data).toEqual({ address: "10.43.0.2" });
  });

  test("EDNS is answered with EDNS; NXDOMAIN carries the SOA; node names come from the hosts table", async () => {
    const h = setup();
    const nx = await h.ask(queryBytes("nope.default.svc.cluster.local", RRType.A, { edns: 4096 }));
    expect(nx).toMatchObject({ flags: { rcode: Rcode.NXDOMAIN, aa: true }, edns: { udpSize: 1232, version: 0 } });
    expect(nx!.authorities[0]!.type).toBe(RRType.SOA);
    const node = await h.ask(queryBytes("node-1", RRType.A));
    expect(node!.answers.map((r) => [r.data, r.ttl])).toEqual([[{ address: "192.168.5.10" }, 60]]);
    expect(h.fake.asked).toEqual([]);
  });

  test("UDP answers over 512 bytes (or the EDNS size) are truncated with TC; TCP carries them whole", async () => {
    const h = setup();
    const udp = await h.ask(queryBytes("big.default.svc.cluster.local", RRType.A));
    expect(udp!.flags.tc).toBe(true);
    expect(udp!.answers.length).toBeLessThan(60);
    const big = await h.handler.handle(queryBytes("big.default.svc.cluster.local", RRType.A, { edns: 1232 }), "udp");
    expect(decodeMessage(big!).flags.tc).toBe(false);
    expect(decodeMessage(big!).answers.length).toBe(60);
    // The prepared (1232-byte-fitting) answer is not served to a 512-byte client.
    const again = await h.ask(queryBytes("big.default.svc.cluster.local", RRType.A, { edns: 512 }));
    expect(again!.flags.tc).toBe(true);
    const tcp = await h.ask(queryBytes("big.default.svc.cluster.local", RRType.A), "tcp");
    expect([tcp!.flags.tc, tcp!.answers.length]).toEqual([false, 60]);
  });

  test("other names are forwarded once, then served from the cache with TTLs counting down; negative answers too", async () => {
    const h = setup();
    const first = await h.ask(queryBytes("www.example.org", RRType.A));
    expect(first).toMatchObject({ flags: { aa: false, rcode: Rcode.NOERROR } });
    expect(first!.answers.map((r) => [r.data, r.ttl])).toEqual([[{ address: "192.0.2.8" }, 30]]);
    h.clock.t += 10_000;
    const hit = h.handler.handle(queryBytes("www.example.org", RRType.A), "udp");
    expect(hit).toBeInstanceOf(Uint8Array);
    expect(decodeMessage(hit as Uint8Array).answers[0]!.ttl).toBe(20);
    const nx1 = await h.ask(queryBytes("missing.example.org", RRType.A));
    const nx2 = await h.ask(queryBytes("missing.example.org", RRType.A));
    expect([nx1!.flags.rcode, nx2!.flags.rcode]).toEqual([Rcode.NXDOMAIN, Rcode.NXDOMAIN]);
    expect(nx2!.authorities[0]!.type).toBe(RRType.SOA);
    expect(h.fake.asked).toEqual(["www.example.org 1 -> 127.0.0.1:5300", "missing.example.org 1 -> 127.0.0.1:5300"]);
    h.clock.t += 25_000; // past the 30 s cap: asked again
    await h.ask(queryBytes("www.example.org", RRType.A));
    expect(h.fake.asked.length).toBe(3);
    expect(h.metrics.summary()).toMatchObject({ cacheHits: 2, cacheMisses: 3 });
  });

  test("concurrent identical questions share one upstream query; upstream failure is SERVFAIL, not cached", async () => {
    const h = setup();
    const all = await Promise.all([1, 2, 3].map((id) => h.ask(queryBytes("www.example.org", RRType.A, { id }))));
    expect(all.map((m) => m!.id)).toEqual([1, 2, 3]);
    expect(h.fake.asked.length).toBe(1);
    h.fake.fail(true);
    expect((await h.ask(queryBytes("down.example.org", RRType.A)))!.flags.rcode).toBe(Rcode.SERVFAIL);
    h.fake.fail(false);
    expect((await h.ask(queryBytes("down.example.org", RRType.A)))!.flags.rcode).toBe(Rcode.NXDOMAIN);
  });

  test("[sig-network] DNS should provide DNS for ExternalName services [Conformance]: CNAME plus the upstream's records, or the cluster's", async () => {
    const h = setup();
    const ext = await h.ask(queryBytes("ext.default.svc.cluster.local", RRType.A));
    expect(ext!.answers.map((r) => [r.name, r.type, r.data])).toEqual([
      ["ext.default.svc.cluster.local", RRType.CNAME, { target: "db.example.com" }],
      ["db.example.com", RRType.A, { address: "192.0.2.7" }],
    ]);
    expect(ext!.flags.aa).toBe(false);
    const alias = await h.ask(queryBytes("alias.default.svc.cluster.local", RRType.A));
    expect(alias!.answers.map((r) => r.type)).toEqual([RRType.CNAME, RRType.A]);
    expect(alias!.flags.aa).toBe(true);
  });

  test("forward zones from coredns-custom take their names to their own upstreams", async () => {
    const h = setup({ forwardZones: [{ zone: "example.com", upstreams: [parseUpstream("127.0.0.1:5400") as Upstream] }] });
    await h.ask(queryBytes("db.example.com", RRType.A));
    await h.ask(queryBytes("www.example.org", RRType.A));
    expect(h.fake.asked).toEqual(["db.example.com 1 -> 127.0.0.1:5400", "www.example.org 1 -> 127.0.0.1:5300"]);
  });

  test("malformed queries get FORMERR, other opcodes NOTIMP, EDNS version 1 BADVERS; responses and runts are dropped", async () => {
    const h = setup();
    const garbage = Uint8Array.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]);
    const formerr = await h.handler.handle(garbage, "udp");
    expect(decodeMessage(formerr!)).toMatchObject({ id: 0xabcd, flags: { qr: true, rd: true, rcode: Rcode.FORMERR }, questions: [] });
    const base: Message = { id: 5, flags: { ...emptyFlags(), rd: true }, questions: [{ name: "a.example", type: RRType.A, class: RRClass.IN }], answers: [], authorities: [], additionals: [] };
    const notify = await h.ask(encodeMessage({ ...base, flags: { ...base.flags, opcode: 4 } }).bytes);
    expect(notify!.flags).toMatchObject({ opcode: 4, rcode: Rcode.NOTIMP });
    const two = await h.ask(encodeMessage({ ...base, questions: [base.questions[0]!, base.questions[0]!] }).bytes);
    expect(two!.flags.rcode).toBe(Rcode.FORMERR);
    const v1 = await h.ask(encodeMessage({ ...base, edns: { udpSize: 1232, version: 1, dnssecOk: false, options: [] } }).bytes);
    expect(v1!.flags.rcode).toBe(Rcode.BADVERS);
    expect(await h.handler.handle(encodeMessage({ ...base, flags: { ...base.flags, qr: true } }).bytes, "udp")).toBeUndefined();
    expect(await h.handler.handle(Uint8Array.from([1, 2, 3]), "udp")).toBeUndefined();
    expect(h.fake.asked).toEqual([]);
  });
});
