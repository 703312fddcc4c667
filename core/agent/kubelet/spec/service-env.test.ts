import { describe, expect, test } from "bun:test";
import { envFromServices, serviceLinkEnv } from "./service-env.ts";
import type { Service, ServicePort } from "./types.ts";

const svc = (namespace: string, name: string, clusterIP: string | undefined, ports: ServicePort[] = []): Service =>
  ({ metadata: { namespace, name }, spec: { clusterIP, ports } });

describe("envFromServices (upstream envvars cases)", () => {
  test("one unnamed TCP port", () => {
    expect(envFromServices([svc("ns", "foo-bar", "1.2.3.4", [{ port: 8083, protocol: "TCP" }])])).toEqual([
      { key: "FOO_BAR_SERVICE_HOST", value: "1.2.3.4" },
      { key: "FOO_BAR_SERVICE_PORT", value: "8083" },
      { key: "FOO_BAR_PORT", value: "tcp://1.2.3.4:8083" },
      { key: "FOO_BAR_PORT_8083_TCP", value: "tcp://1.2.3.4:8083" },
      { key: "FOO_BAR_PORT_8083_TCP_PROTO", value: "tcp" },
      { key: "FOO_BAR_PORT_8083_TCP_PORT", value: "8083" },
      { key: "FOO_BAR_PORT_8083_TCP_ADDR", value: "1.2.3.4" },
    ]);
  });

  test("named ports, UDP, protocol defaulting to TCP", () => {
    const env = envFromServices([svc("ns", "abc-123", "5.6.7.8", [{ name: "u-d-p", port: 8081, protocol: "UDP" }, { name: "t-c-p", port: 8081 }])]);
    expect(env).toEqual([
      { key: "ABC_123_SERVICE_HOST", value: "5.6.7.8" },
      { key: "ABC_123_SERVICE_PORT", value: "8081" },
      { key: "ABC_123_SERVICE_PORT_U_D_P", value: "8081" },
      { key: "ABC_123_SERVICE_PORT_T_C_P", value: "8081" },
      { key: "ABC_123_PORT", value: "udp://5.6.7.8:8081" },
      { key: "ABC_123_PORT_8081_UDP", value: "udp://5.6.7.8:8081" },
      { key: "ABC_123_PORT_8081_UDP_PROTO", value: "udp" },
      { key: "ABC_123_PORT_8081_UDP_PORT", value: "8081" },
      { key: "ABC_123_PORT_8081_UDP_ADDR", value: "5.6.7.8" },
      { key: "ABC_123_PORT_8081_TCP", value: "tcp://5.6.7.8:8081" },
      { key: "ABC_123_PORT_8081_TCP_PROTO", value: "tcp" },
      { key: "ABC_123_PORT_8081_TCP_PORT", value: "8081" },
      { key: "ABC_123_PORT_8081_TCP_ADDR", value: "5.6.7.8" },
    ]);
  });

  test("IPv6 cluster IPs are bracketed in URLs", () => {
    const env = Object.fromEntries(envFromServices([svc("ns", "v6", "fd00::10", [{ port: 80 }])]).map((e) => [e.key, e.value]));
    expect(env.V6_PORT).toBe("tcp://[fd00::10]:80");
    expect(env.V6_PORT_80_TCP_ADDR).toBe("fd00::10");
  });

  test("headless and IP-less services give nothing", () => {
    expect(envFromServices([svc("ns", "headless", "None", [{ port: 80 }]), svc("ns", "ext", undefined, [{ port: 80 }]), svc("ns", "empty", "", [])])).toEqual([]);
  });
});

describe("serviceLinkEnv", () => {
  const services = [
    svc("default", "kubernetes", "10.43.0.1", [{ name: "https", port: 443 }]),
    svc("default", "other", "10.43.0.2", [{ port: 80 }]),
    svc("ns1", "web", "10.43.0.3", [{ port: 8080 }]),
    svc("ns1", "api", "10.43.0.4", [{ port: 9090 }]),
    svc("ns2", "db", "10.43.0.5", [{ port: 5432 }]),
  ];
  const keys = (ns: string, links: boolean) => serviceLinkEnv(services, ns, links).filter((e) => e.key.endsWith("_SERVICE_HOST")).map((e) => e.key);

  test("own namespace's services (name order) plus default/kubernetes", () => {
    expect(keys("ns1", true)).toEqual(["API_SERVICE_HOST", "KUBERNETES_SERVICE_HOST", "WEB_SERVICE_HOST"]);
  });
  test("enableServiceLinks=false: only the kubernetes service", () => {
    expect(keys("ns1", false)).toEqual(["KUBERNETES_SERVICE_HOST"]);
    expect(serviceLinkEnv(services, "ns1", false)).toContainEqual({ key: "KUBERNETES_SERVICE_PORT_HTTPS", value: "443" });
  });
  test("pods in default see all of default", () => {
    expect(keys("default", true)).toEqual(["KUBERNETES_SERVICE_HOST", "OTHER_SERVICE_HOST"]);
  });
  test("a same-named service of the pod's namespace wins over default/kubernetes, in any order", () => {
    const mine = svc("ns3", "kubernetes", "10.43.9.9", [{ port: 1 }]);
    for (const list of [[...services, mine], [mine, ...services]]) {
      expect(serviceLinkEnv(list, "ns3", true)).toContainEqual({ key: "KUBERNETES_SERVICE_HOST", value: "10.43.9.9" });
    }
  });
});
