import { describe, expect, test } from "bun:test";
import { RRType, Rcode } from "../dns/constants.ts";
import { parseCidr } from "../dns/ip.ts";
import { ClusterData } from "./cluster-data.ts";
import { createClusterZone } from "./cluster-zone.ts";
import { HostsTable } from "./hosts.ts";
import type { EndpointSlice, Service } from "./kube-types.ts";

const svc = (ns: string, name: string, spec: Service["spec"]): Service => Object.freeze({ metadata: { namespace: ns, name }, spec }) as Service;
const slice = (ns: string, service: string, name: string, endpoints: EndpointSlice["endpoints"], ports: EndpointSlice["ports"] = []): EndpointSlice =>
  ({ metadata: { namespace: ns, name, labels: { "kubernetes.io/service-name": service } }, addressType: "IPv4", endpoints, ports });

function fixture() {
  const data = new ClusterData();
  data.upsertService(svc("default", "kubernetes", { clusterIP: "10.43.0.1", ports: [{ name: "https", port: 443, protocol: "TCP" }] }));
  data.upsertService(svc("default", "web", { clusterIP: "10.43.0.20", clusterIPs: ["10.43.0.20", "fd43::20"], ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }] }));
  data.upsertService(svc("default", "db", { clusterIP: "None", ports: [{ name: "pg", port: 5432 }] }));
  data.upsertService(svc("default", "empty", { clusterIP: "None" }));
  data.upsertService(svc("default", "ext", { type: "ExternalName", externalName: "db.example.com." }));
  data.upsertSlice(slice("default", "db", "db-abc", [
    { addresses: ["10.42.0.5"], hostname: "db-0", conditions: { ready: true } },
    { addresses: ["10.42.0.6"], conditions: { ready: true } },
    { addresses: ["10.42.0.7"], hostname: "db-2", conditions: { ready: false } },
  ], [{ name: "pg", port: 5432, protocol: "TCP" }]));
  data.upsertSlice(slice("default", "web", "web-abc", [{ addresses: ["10.42.0.9"], conditions: { ready: true } }], [{ name: "http", port: 8080, protocol: "TCP" }]));
  const zone = createClusterZone(data, {
    zone: "cluster.local", dnsIP: "10.43.0.10", ttl: 5, reverseCidrs: [parseCidr("10.43.0.0/16")!, parseCidr("10.42.0.0/16")!],
  });
  return { data, zone };
}

const addresses = (a: { answers: { data: unknown }[] }) => a.answers.map((r) => (r.data as { address?: string; target?: string }).address ?? (r.data as { target: string }).target);

describe("cluster zone", () => {
  test("[sig-network] DNS should provide DNS for services  [Conformance]: A, AAAA, SRV per named port, TTL 5", () => {
    const { zone } = fixture();
    const a = zone.answer("web.default.svc.cluster.local", RRType.A);
    expect(a).toMatchObject({ rcode: Rcode.NOERROR, authoritative: true });
    expect(addresses(a)).toEqual(["10.43.0.20"]);
    expect(a.answers[0]!.ttl).toBe(5);
    expect(addresses(zone.answer("web.default.svc.cluster.local", RRType.AAAA))).toEqual(["fd43::20"]);
    const srv = zone.answer("_http._tcp.web.default.svc.cluster.local", RRType.SRV);
    expect(srv.answers.map((r) => r.data)).toEqual([{ priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local" }]);
    expect(addresses({ answers: srv.additionals })).toEqual(["10.43.0.20", "fd43::20"]);
    expect(zone.answer("_dns._udp.web.default.svc.cluster.local", RRType.SRV).answers.length).toBe(1);
    expect(zone.answer("_dns._tcp.web.default.svc.cluster.local", RRType.SRV).rcode).toBe(Rcode.NXDOMAIN);
    // SRV at the Service name: every port.
    expect(zone.answer("web.default.svc.cluster.local", RRType.SRV).answers.length).toBe(2);
  });

  test("[sig-network] DNS should provide DNS for the cluster  [Conformance]: kubernetes.default, dns-version, apex SOA/NS", () => {
    const { zone } = fixture();
    expect(addresses(zone.answer("kubernetes.default.svc.cluster.local", RRType.A))).toEqual(["10.43.0.1"]);
    expect(zone.answer("dns-version.cluster.local", RRType.TXT).answers[0]!.data).toEqual({ texts: ["1.1.0"] });
    expect(zone.answer("cluster.local", RRType.SOA).answers[0]!.type).toBe(RRType.SOA);
    const ns = zone.answer("cluster.local", RRType.NS);
    expect(addresses(ns)).toEqual(["ns.dns.cluster.local"]);
    expect(addresses(zone.answer("ns.dns.cluster.local", RRType.A))).toEqual(["10.43.0.10"]);
  });

  test("[sig-network] DNS should provide DNS for pods for Hostname and Subdomain [Conformance]: headless Services", () => {
    const { zone } = fixture();
    // Ready endpoints only; the not-ready db-2 is left out.
    expect(addresses(zone.answer("db.default.svc.cluster.local", RRType.A)).sort()).toEqual(["10.42.0.5", "10.42.0.6"]);
    expect(addresses(zone.answer("db-0.db.default.svc.cluster.local", RRType.A))).toEqual(["10.42.0.5"]);
    expect(addresses(zone.answer("10-42-0-6.db.default.svc.cluster.local", RRType.A))).toEqual(["10.42.0.6"]);
    expect(zone.answer("db-2.db.default.svc.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    const srv = zone.answer("_pg._tcp.db.default.svc.cluster.local", RRType.SRV);
    expect(srv.answers.map((r) => r.data)).toEqual([
      { priority: 0, weight: 50, port: 5432, target: "db-0.db.default.svc.cluster.local" },
      { priority: 0, weight: 50, port: 5432, target: "10-42-0-6.db.default.svc.cluster.local" },
    ]);
    expect(addresses({ answers: srv.additionals })).toEqual(["10.42.0.5", "10.42.0.6"]);
    // A headless Service without ready endpoints does not resolve (as CoreDNS).
    expect(zone.answer("empty.default.svc.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
  });

  test("[sig-network] DNS should provide DNS for ExternalName services [Conformance]: a CNAME to chase", () => {
    const { zone, data } = fixture();
    const a = zone.answer("ext.default.svc.cluster.local", RRType.A);
    expect(a.answers.map((r) => [r.type, r.data])).toEqual([[RRType.CNAME, { target: "db.example.com" }]]);
    expect(a.chase).toBe("db.example.com");
    expect(zone.answer("ext.default.svc.cluster.local", RRType.CNAME).chase).toBeUndefined();
    // Changed to ClusterIP: A records.
    data.upsertService(svc("default", "ext", { type: "ClusterIP", clusterIP: "10.43.0.99", ports: [{ port: 80 }] }));
    expect(addresses(zone.answer("ext.default.svc.cluster.local", RRType.A))).toEqual(["10.43.0.99"]);
  });

  test("NXDOMAIN vs NODATA: missing names vs names without that type (empty non-terminals included), SOA in authority", () => {
    const { zone } = fixture();
    const nodata = (name: string, type: number) => {
      const a = zone.answer(name, type);
      expect([name, a.rcode, a.answers.length, a.authorities[0]?.type]).toEqual([name, Rcode.NOERROR, 0, RRType.SOA]);
    };
    const nx = (name: string) => {
      const a = zone.answer(name, RRType.A);
      expect([name, a.rcode, a.authorities[0]?.type]).toEqual([name, Rcode.NXDOMAIN, RRType.SOA]);
    };
    nodata("kubernetes.default.svc.cluster.local", RRType.AAAA);
    nodata("kubernetes.default.svc.cluster.local", RRType.MX);
    nodata("svc.cluster.local", RRType.A);
    nodata("default.svc.cluster.local", RRType.A);
    nodata("pod.cluster.local", RRType.A);
    nodata("_tcp.web.default.svc.cluster.local", RRType.A);
    nodata("cluster.local", RRType.A);
    nx("nope.default.svc.cluster.local");
    nx("web.nons.svc.cluster.local");
    nx("nons.svc.cluster.local");
    nx("whatever.cluster.local");
    nx("x.y.web.default.svc.cluster.local");
    expect(zone.answer("nope.default.svc.cluster.local", RRType.A).authorities[0]!.data).toMatchObject({ mname: "ns.dns.cluster.local", minimum: 5 });
  });

  test("[sig-network] DNS should resolve DNS of partial qualified names for services [LinuxOnly] [Conformance]: search-path expansions are NXDOMAIN", () => {
    const { zone } = fixture();
    for (const name of [
      "web.default.svc.cluster.local.default.svc.cluster.local", "web.default.svc.cluster.local.svc.cluster.local",
      "web.default.svc.cluster.local.cluster.local", "web.default.default.svc.cluster.local",
    ]) expect(zone.answer(name, RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    // What the search path does find: web.default.svc.cluster.local from "web" in namespace default.
    expect(zone.answer("web.default.svc.cluster.local", RRType.A).rcode).toBe(Rcode.NOERROR);
  });

  test("pod records: a-b-c-d.<ns>.pod answered without looking at pods (pods insecure), IPv6 with dashes", () => {
    const { zone } = fixture();
    expect(addresses(zone.answer("10-42-0-77.any.pod.cluster.local", RRType.A))).toEqual(["10.42.0.77"]);
    expect(addresses(zone.answer("fd00--1.any.pod.cluster.local", RRType.AAAA))).toEqual(["fd00::1"]);
    expect(zone.answer("10-42-0-77.any.pod.cluster.local", RRType.AAAA).rcode).toBe(Rcode.NOERROR);
    expect(zone.answer("not-an-ip.any.pod.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    expect(zone.answer("x.10-42-0-77.any.pod.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
  });

  test("PTR for ClusterIPs and endpoint addresses; unknown addresses in the CIDRs NXDOMAIN; other reverse names not ours", () => {
    const { zone } = fixture();
    expect(addresses(zone.answer("20.0.43.10.in-addr.arpa", RRType.PTR))).toEqual(["web.default.svc.cluster.local"]);
    expect(addresses(zone.answer("5.0.42.10.in-addr.arpa", RRType.PTR))).toEqual(["db-0.db.default.svc.cluster.local"]);
    expect(addresses(zone.answer("9.0.42.10.in-addr.arpa", RRType.PTR))).toEqual(["10-42-0-9.web.default.svc.cluster.local"]);
    expect(zone.answer("99.0.43.10.in-addr.arpa", RRType.PTR).rcode).toBe(Rcode.NXDOMAIN);
    expect(zone.answer("0.43.10.in-addr.arpa", RRType.PTR)).toMatchObject({ rcode: Rcode.NOERROR, answers: [] });
    expect(zone.answer("43.10.in-addr.arpa", RRType.SOA).answers[0]!.name).toBe("43.10.in-addr.arpa");
    expect(zone.owns("1.1.168.192.in-addr.arpa")).toBe(false);
    expect(zone.owns("5.0.42.10.in-addr.arpa")).toBe(true);
    expect(zone.owns("example.com")).toBe(false);
    const v6 = zone.answer("0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.4.d.f.ip6.arpa", RRType.PTR);
    expect(v6.rcode).toBe(Rcode.REFUSED); // fd43::/64 is no CIDR of this fixture: not this zone's
  });

  test("changes are seen at once and bump the generation; deleted slices and services disappear", () => {
    const { zone, data } = fixture();
    // Updates DNS does not read (status, labels, endpoint conditions other than ready) keep the generation.
    const g0 = data.generation;
    data.upsertService({ ...svc("default", "web", { clusterIP: "10.43.0.20", clusterIPs: ["10.43.0.20", "fd43::20"], ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }] }), status: { loadBalancer: {} } });
    data.upsertSlice(slice("default", "web", "web-abc", [{ addresses: ["10.42.0.9"], conditions: { ready: true, serving: true } }], [{ name: "http", port: 8080, protocol: "TCP" }]));
    expect(data.generation).toBe(g0);
    const g = data.generation;
    data.deleteSlice(slice("default", "db", "db-abc", []));
    expect(data.generation).toBeGreaterThan(g);
    expect(zone.answer("db.default.svc.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    data.deleteService(svc("default", "web", {}));
    expect(zone.answer("web.default.svc.cluster.local", RRType.A).rcode).toBe(Rcode.NXDOMAIN);
    expect(zone.answer("20.0.43.10.in-addr.arpa", RRType.PTR).rcode).toBe(Rcode.NXDOMAIN);
  });
});

describe("hosts table", () => {
  test("node names and custom entries answer A/AAAA and PTR, NODATA for other types, undefined otherwise", () => {
    const hosts = new HostsTable();
    hosts.setSource("nodes", [{ name: "node-1", ip: "192.168.5.10", ttl: 60 }]);
    hosts.setSource("custom", [{ name: "Foo.Example.", ip: "fd00::5", ttl: 3600 }, { name: "hidden.example", ip: "1.2.3.4", ttl: 10, noReverse: true }]);
    expect(hosts.answer("node-1", RRType.A)?.answers.map((r) => [r.data, r.ttl])).toEqual([[{ address: "192.168.5.10" }, 60]]);
    expect(hosts.answer("node-1", RRType.AAAA)).toMatchObject({ rcode: Rcode.NOERROR, answers: [] });
    expect(hosts.answer("foo.example", RRType.AAAA)?.answers[0]!.data).toEqual({ address: "fd00::5" });
    expect(hosts.answer("10.5.168.192.in-addr.arpa", RRType.PTR)?.answers[0]!.data).toEqual({ target: "node-1" });
    expect(hosts.answer("4.3.2.1.in-addr.arpa", RRType.PTR)).toBeUndefined();
    expect(hosts.answer("other", RRType.A)).toBeUndefined();
    const g = hosts.generation;
    hosts.setSource("nodes", [{ name: "node-1", ip: "192.168.5.10", ttl: 60 }]); // a heartbeat: unchanged
    expect(hosts.generation).toBe(g);
  });
});
