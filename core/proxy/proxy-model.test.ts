import { describe, expect, test } from "bun:test";
import { computeProxyState, type NodeFacts } from "./proxy-model.ts";
import { endpoint, endpointSlice, service } from "./testing/objects.ts";

const node: NodeFacts = { nodeName: "node-a", family: "IPv4", nodePortAddresses: ["192.168.5.10", "127.0.0.1"], clusterCIDRs: ["10.42.0.0/16", "fd00:42::/56"] };
const ips = (eps: readonly { ip: string; port: number }[]) => eps.map((e) => `${e.ip}:${e.port}`);

describe("proxy model", () => {
  test("ClusterIP: ready endpoints of the matching slice port, sorted; unnamed port named ns/svc", () => {
    const s = computeProxyState(
      [service("web", { clusterIP: "10.43.0.10", ports: [{ port: 80, protocol: "TCP" }] })],
      [endpointSlice("web", [endpoint("10.42.0.12"), endpoint("10.42.0.3", "node-b"), endpoint("10.42.0.9", "node-a", { ready: false, serving: false, terminating: false })], [{ port: 8080 }])],
      node,
    );
    expect(s.servicePorts).toHaveLength(1);
    const sp = s.servicePorts[0]!;
    expect(sp.name).toBe("default/web");
    expect(ips(sp.clusterEndpoints)).toEqual(["10.42.0.3:8080", "10.42.0.12:8080"]);
    expect(sp.hasEndpoints).toBe(true);
    expect(sp.localEndpoints).toEqual([]);
    expect(s.clusterCIDRs).toEqual(["10.42.0.0/16"]);
    // Loopback NodePort addresses are not supported (upstream nftables mode).
    expect(s.nodePortAddresses).toEqual(["192.168.5.10"]);
  });

  test("no ready endpoints: hasEndpoints false", () => {
    const s = computeProxyState([service("web", { clusterIP: "10.43.0.10", ports: [{ port: 80 }] })], [endpointSlice("web", [], [])], node);
    expect(s.servicePorts[0]!.hasEndpoints).toBe(false);
    expect(s.servicePorts[0]!.reachableEndpoints).toEqual([]);
  });

  test("named targetPort: resolved per endpoint through each slice's ports", () => {
    const s = computeProxyState(
      [service("web", { clusterIP: "10.43.0.10", ports: [{ name: "http", port: 80 }, { name: "dns", port: 53, protocol: "UDP" }] })],
      [
        endpointSlice("web", [endpoint("10.42.0.5")], [{ name: "http", port: 8080 }, { name: "dns", port: 5353, protocol: "UDP" }], { name: "web-1" }),
        endpointSlice("web", [endpoint("10.42.0.6")], [{ name: "http", port: 9090 }], { name: "web-2" }),
      ],
      node,
    );
    const http = s.servicePorts.find((p) => p.portName === "http")!;
    const dns = s.servicePorts.find((p) => p.portName === "dns")!;
    expect(ips(http.clusterEndpoints)).toEqual(["10.42.0.5:8080", "10.42.0.6:9090"]);
    expect(ips(dns.clusterEndpoints)).toEqual(["10.42.0.5:5353"]);
    expect(dns.protocol).toBe("udp");
  });

  test("terminating endpoints are used only when no endpoint is ready (ProxyTerminatingEndpoints)", () => {
    const terminating = { ready: false, serving: true, terminating: true };
    const svc = service("web", { clusterIP: "10.43.0.10", ports: [{ port: 80 }] });
    const withReady = computeProxyState([svc], [endpointSlice("web", [endpoint("10.42.0.5"), endpoint("10.42.0.6", "node-a", terminating)], [{ port: 80 }])], node);
    expect(ips(withReady.servicePorts[0]!.clusterEndpoints)).toEqual(["10.42.0.5:80"]);
    const onlyTerminating = computeProxyState([svc], [endpointSlice("web", [
      endpoint("10.42.0.6", "node-a", terminating),
      endpoint("10.42.0.7", "node-a", { ready: false, serving: false, terminating: true }),
    ], [{ port: 80 }])], node);
    expect(ips(onlyTerminating.servicePorts[0]!.clusterEndpoints)).toEqual(["10.42.0.6:80"]);
    expect(onlyTerminating.servicePorts[0]!.hasEndpoints).toBe(true);
  });

  test("unset conditions: ready means ready, serving follows ready", () => {
    const s = computeProxyState(
      [service("web", { clusterIP: "10.43.0.10", ports: [{ port: 80 }] })],
      [endpointSlice("web", [{ addresses: ["10.42.0.5"] }], [{ port: 80 }])],
      node,
    );
    expect(ips(s.servicePorts[0]!.clusterEndpoints)).toEqual(["10.42.0.5:80"]);
  });

  test("session affinity ClientIP: timeout from the config, default 10800 s", () => {
    const s = computeProxyState([
      service("a", { clusterIP: "10.43.0.10", sessionAffinity: "ClientIP", ports: [{ port: 80 }] }),
      service("b", { clusterIP: "10.43.0.11", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] }),
      service("c", { clusterIP: "10.43.0.12", ports: [{ port: 80 }] }),
    ], [], node);
    expect(s.servicePorts.map((p) => p.affinityTimeoutSeconds)).toEqual([10800, 60, undefined]);
  });

  test("NodePort and LoadBalancer: node ports, ingress IPs (not ipMode Proxy), only for LoadBalancer", () => {
    const s = computeProxyState([
      service("np", { type: "NodePort", clusterIP: "10.43.0.10", ports: [{ port: 80, nodePort: 30080 }] }),
      service("lb", { type: "LoadBalancer", clusterIP: "10.43.0.11", ports: [{ port: 443, nodePort: 30443 }] },
        { loadBalancer: { ingress: [{ ip: "172.16.0.5" }, { ip: "172.16.0.6", ipMode: "Proxy" }, { ip: "fd00::5" }] } }),
      service("cip", { clusterIP: "10.43.0.12", ports: [{ port: 80, nodePort: 30099 }] }, { loadBalancer: { ingress: [{ ip: "172.16.0.7" }] } }),
    ], [], node);
    const [cip, lb, np] = s.servicePorts;
    expect(np!.nodePort).toBe(30080);
    expect(np!.externallyAccessible).toBe(true);
    expect(lb!.loadBalancerIPs).toEqual(["172.16.0.5"]);
    expect(lb!.nodePort).toBe(30443);
    expect(cip!.nodePort).toBe(0);
    expect(cip!.loadBalancerIPs).toEqual([]);
    expect(cip!.externallyAccessible).toBe(false);
  });

  test("externalTrafficPolicy Local: local endpoints for external traffic, cluster endpoints kept for short-circuits", () => {
    const s = computeProxyState(
      [service("np", { type: "NodePort", clusterIP: "10.43.0.10", externalTrafficPolicy: "Local", ports: [{ port: 80, nodePort: 30080 }] })],
      [endpointSlice("np", [endpoint("10.42.0.5", "node-a"), endpoint("10.42.1.5", "node-b")], [{ port: 80 }])],
      node,
    );
    const sp = s.servicePorts[0]!;
    expect(sp.externalPolicyLocal).toBe(true);
    expect(ips(sp.localEndpoints)).toEqual(["10.42.0.5:80"]);
    expect(ips(sp.clusterEndpoints)).toEqual(["10.42.0.5:80", "10.42.1.5:80"]);
    expect(ips(sp.reachableEndpoints)).toEqual(["10.42.0.5:80", "10.42.1.5:80"]);
  });

  test("externalTrafficPolicy Local on a ClusterIP Service without external IPs does nothing", () => {
    const s = computeProxyState([service("c", { clusterIP: "10.43.0.10", externalTrafficPolicy: "Local", ports: [{ port: 80 }] })], [], node);
    expect(s.servicePorts[0]!.externalPolicyLocal).toBe(false);
  });

  test("internalTrafficPolicy Local: only this node's endpoints; hasEndpoints reflects the cluster", () => {
    const s = computeProxyState(
      [service("c", { clusterIP: "10.43.0.10", internalTrafficPolicy: "Local", ports: [{ port: 80 }] })],
      [endpointSlice("c", [endpoint("10.42.1.5", "node-b")], [{ port: 80 }])],
      node,
    );
    const sp = s.servicePorts[0]!;
    expect(sp.clusterEndpoints).toEqual([]);
    expect(sp.localEndpoints).toEqual([]);
    expect(sp.hasEndpoints).toBe(true);
  });

  test("skipped: headless, ExternalName, another proxy's Services, other families", () => {
    const s = computeProxyState([
      service("headless", { clusterIP: "None", ports: [{ port: 80 }] }),
      service("ext", { type: "ExternalName", ports: [{ port: 80 }] }),
      { metadata: { namespace: "default", name: "other", labels: { "service.kubernetes.io/service-proxy-name": "x" } }, spec: { clusterIP: "10.43.0.9", ports: [{ port: 80 }] } },
      service("v6", { clusterIP: "fd00:43::10", clusterIPs: ["fd00:43::10"], ports: [{ port: 80 }] }),
      service("dual", { clusterIP: "fd00:43::11", clusterIPs: ["fd00:43::11", "10.43.0.11"], ports: [{ port: 80 }] }),
    ], [endpointSlice("dual", [endpoint("fd00:42::5")], [{ port: 80 }], { addressType: "IPv6" })], node);
    expect(s.servicePorts.map((p) => `${p.name} ${p.clusterIP}`)).toEqual(["default/dual 10.43.0.11"]);
    expect(s.servicePorts[0]!.clusterEndpoints).toEqual([]);
    const v6 = computeProxyState([service("dual", { clusterIP: "fd00:43::11", clusterIPs: ["fd00:43::11", "10.43.0.11"], ports: [{ port: 80 }] })],
      [endpointSlice("dual", [endpoint("fd00:42::5")], [{ port: 80 }], { addressType: "IPv6" })], { ...node, family: "IPv6" });
    expect(ips(v6.servicePorts[0]!.clusterEndpoints)).toEqual(["fd00:42::5:80"]);
    expect(v6.clusterCIDRs).toEqual(["fd00:42::/56"]);
  });

  test("malformed addresses never reach the ruleset (nft would resolve them as host names)", () => {
    const s = computeProxyState(
      [service("bad", { clusterIP: "10.43.0.300", ports: [{ port: 80 }] }), service("ok", { type: "LoadBalancer", clusterIP: "10.43.0.10", externalIPs: ["example.com"], ports: [{ port: 80 }] }, { loadBalancer: { ingress: [{ ip: "lb.example" }] } })],
      [endpointSlice("ok", [endpoint("10.42.0.256"), endpoint("10.42.0.5")], [{ port: 80 }])],
      node,
    );
    expect(s.servicePorts.map((p) => p.name)).toEqual(["default/ok"]);
    expect(s.servicePorts[0]!.externalIPs).toEqual([]);
    expect(s.servicePorts[0]!.loadBalancerIPs).toEqual([]);
    expect(ips(s.servicePorts[0]!.clusterEndpoints)).toEqual(["10.42.0.5:80"]);
  });

  test("an endpoint in two slices keeps its ready copy", () => {
    const s = computeProxyState(
      [service("web", { clusterIP: "10.43.0.10", ports: [{ port: 80 }] })],
      [
        endpointSlice("web", [endpoint("10.42.0.5", "node-a", { ready: false, serving: false, terminating: false })], [{ port: 80 }], { name: "a" }),
        endpointSlice("web", [endpoint("10.42.0.5")], [{ port: 80 }], { name: "b" }),
      ],
      node,
    );
    expect(ips(s.servicePorts[0]!.clusterEndpoints)).toEqual(["10.42.0.5:80"]);
  });
});
