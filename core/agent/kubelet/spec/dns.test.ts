import { describe, expect, test } from "bun:test";
import { parseResolvConf, podDnsConfig } from "./dns.ts";
import type { SpecWarning } from "./errors.ts";
import type { Pod } from "./types.ts";

const HOST = "# generated\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch corp.example. lab.example .\noptions timeout:2 attempts:3\n";
const cluster = { clusterDNS: "10.43.0.10", clusterDomain: "cluster.local" };
const pod = (spec: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name: "p", namespace: "ns1", uid: "u" }, spec: { containers: [], ...spec } });

describe("parseResolvConf", () => {
  test("nameservers accumulate, last search wins (dots trimmed, '.' dropped), options by name", () => {
    expect(parseResolvConf("nameserver 1.1.1.1\nsearch a b\n  # comment\nsearch c. .\nnameserver 8.8.8.8 extra\noptions ndots:2 rotate\noptions ndots:3\n")).toEqual({
      servers: ["1.1.1.1", "8.8.8.8"],
      searches: ["c"],
      options: ["ndots:3", "rotate"],
    });
  });
  test("empty file", () => expect(parseResolvConf("")).toEqual({ servers: [], searches: [], options: [] }));
  test("a nameserver line without address is an error", () => {
    expect(() => parseResolvConf("nameserver\n")).toThrow("Encountered error while parsing resolv conf file. Error: nameserver list is empty ");
  });
});

describe("podDnsConfig per policy", () => {
  test("ClusterFirst (the default): cluster DNS, cluster searches then host's, ndots:5", () => {
    expect(podDnsConfig(pod(), cluster, HOST)).toEqual({
      servers: ["10.43.0.10"],
      searches: ["ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example"],
      options: ["ndots:5"],
    });
  });
  test("ClusterFirst drops host searches repeating cluster ones", () => {
    expect(podDnsConfig(pod(), cluster, "search cluster.local other\n").searches).toEqual(["ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "other"]);
  });
  test("ClusterFirst on hostNetwork is Default; ClusterFirstWithHostNet stays cluster", () => {
    const host = { servers: ["192.168.1.1", "192.168.1.2"], searches: ["corp.example", "lab.example"], options: ["timeout:2", "attempts:3"] };
    expect(podDnsConfig(pod({ hostNetwork: true }), cluster, HOST)).toEqual(host);
    expect(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }), cluster, HOST).servers).toEqual(["10.43.0.10"]);
    expect(podDnsConfig(pod({ dnsPolicy: "Default" }), cluster, HOST)).toEqual(host);
  });
  test("None + dnsConfig: only the pod's settings", () => {
    const p = pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["1.2.3.4"], searches: ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } });
    expect(podDnsConfig(p, cluster, HOST)).toEqual({ servers: ["1.2.3.4"], searches: ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"], options: ["ndots:2", "edns0"] });
  });
  test("dnsConfig appends to ClusterFirst: duplicates dropped, options overridden by name", () => {
    const p = pod({ dnsConfig: { nameservers: ["10.43.0.10", "9.9.9.9"], searches: ["cluster.local", "extra"], options: [{ name: "ndots", value: "1" }, { name: "single-request-reopen" }] } });
    expect(podDnsConfig(p, cluster, "")).toEqual({
      servers: ["10.43.0.10", "9.9.9.9"],
      searches: ["ns1.svc.cluster.local", "svc.cluster.local", "cluster.local", "extra"],
      options: ["ndots:1", "single-request-reopen"],
    });
  });
  test("no cluster DNS: falls back to Default with a MissingClusterDNS warning", () => {
    const warnings: SpecWarning[] = [];
    expect(podDnsConfig(pod(), { clusterDNS: [], clusterDomain: "cluster.local" }, HOST, warnings).servers).toEqual(["192.168.1.1", "192.168.1.2"]);
    expect(warnings).toEqual([{ reason: "MissingClusterDNS", message: 'pod: "p_ns1(u)". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.' }]);
  });
  test("no resolv.conf (null): Default means 127.0.0.1 and search '.'", () => {
    expect(podDnsConfig(pod({ dnsPolicy: "Default" }), cluster, null)).toEqual({ servers: ["127.0.0.1"], searches: ["."], options: [] });
    expect(podDnsConfig(pod(), cluster, null)).toEqual({ servers: ["10.43.0.10"], searches: ["ns1.svc.cluster.local", "svc.cluster.local", "cluster.local"], options: ["ndots:5"] });
  });
  test("several cluster DNS servers", () => {
    expect(podDnsConfig(pod(), { clusterDNS: ["10.43.0.10", "fd43::a"], clusterDomain: "cluster.local" }, "").servers).toEqual(["10.43.0.10", "fd43::a"]);
  });
});

describe("podDnsConfig limits", () => {
  test("more than 3 nameservers: first 3, with a warning", () => {
    const warnings: SpecWarning[] = [];
    const got = podDnsConfig(pod({ dnsPolicy: "Default" }), cluster, "nameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\nnameserver 4.4.4.4\n", warnings);
    expect(got.servers).toEqual(["1.1.1.1", "2.2.2.2", "3.3.3.3"]);
    expect(warnings).toEqual([{ reason: "DNSConfigForming", message: "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3" }]);
  });
  test("more than 32 search domains: first 32", () => {
    const warnings: SpecWarning[] = [];
    const host = `search ${Array.from({ length: 40 }, (_, i) => `d${i}.example`).join(" ")}\n`;
    const got = podDnsConfig(pod(), cluster, host, warnings);
    expect(got.searches).toHaveLength(32);
    expect(got.searches?.[31]).toBe("d28.example");
    expect(warnings[0]?.message).toBe(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${got.searches!.join(" ")}`);
  });
  test("a search domain over 253 characters is dropped", () => {
    const long = `${"a".repeat(250)}.com`;
    const warnings: SpecWarning[] = [];
    expect(podDnsConfig(pod({ dnsPolicy: "Default" }), cluster, `search ok.example ${long} z.example\n`, warnings).searches).toEqual(["ok.example", "z.example"]);
    expect(warnings).toHaveLength(1);
  });
  test("a search line over 2048 characters loses domains from the end", () => {
    const domains = Array.from({ length: 10 }, (_, i) => `${String(i).repeat(240)}.example`); // 248 chars each
    const warnings: SpecWarning[] = [];
    const got = podDnsConfig(pod({ dnsPolicy: "Default" }), cluster, `search ${domains.join(" ")}\n`, warnings).searches!;
    expect(got).toEqual(domains.slice(0, 8)); // 8 × 248 + 7 = 1991 ≤ 2048 < 9 × 248 + 8
    expect(got.join(" ").length).toBeLessThanOrEqual(2048);
    expect(warnings).toHaveLength(1);
  });
  test("within limits: no warning", () => {
    const warnings: SpecWarning[] = [];
    podDnsConfig(pod(), cluster, HOST, warnings);
    expect(warnings).toEqual([]);
  });
});
