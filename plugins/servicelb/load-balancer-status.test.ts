import { describe, expect, test } from "bun:test";
import { ENABLE_LB_LABEL, LB_POOL_LABEL, PORTS_IN_USE_ANNOTATION, placeServices, type Node, type Service } from "./load-balancer-status.ts";

const node = (name: string, ip: string, extra: { labels?: Record<string, string>; ready?: boolean; external?: string; annotations?: Record<string, string> } = {}): Node => ({
  metadata: { name, labels: extra.labels, annotations: extra.annotations },
  status: {
    addresses: [{ type: "InternalIP", address: ip }, ...(extra.external ? [{ type: "ExternalIP", address: extra.external }] : []), { type: "Hostname", address: name }],
    conditions: [{ type: "Ready", status: extra.ready === false ? "False" : "True" }],
  },
});
const svc = (name: string, ports: number[], extra: Partial<Service["spec"]> & { created?: string; labels?: Record<string, string> } = {}): Service => ({
  metadata: { name, namespace: "default", creationTimestamp: extra.created ?? "2025-01-01T00:00:00Z", labels: extra.labels },
  spec: { type: "LoadBalancer", ports: ports.map((port) => ({ port, protocol: "TCP" })), ...extra },
});

describe("servicelb placement", () => {
  test("every Ready node's InternalIP, sorted; NotReady nodes and non-LB Services are left out", () => {
    const p = placeServices([svc("a", [80]), { ...svc("c", [80]), spec: { type: "ClusterIP", ports: [{ port: 80 }] } }],
      [node("n2", "10.0.0.2"), node("n1", "10.0.0.1"), node("n3", "10.0.0.3", { ready: false })], []);
    expect(p.get("default/a")).toEqual({ ips: ["10.0.0.1", "10.0.0.2"], conflicts: [] });
    expect(p.has("default/c")).toBe(false);
  });

  test("ExternalIPs win when any node has one; loadBalancerClass Services are another implementation's", () => {
    const p = placeServices([svc("a", [80]), svc("b", [81], { loadBalancerClass: "example.com/lb" })],
      [node("n1", "10.0.0.1", { external: "192.0.2.1" }), node("n2", "10.0.0.2")], []);
    expect(p.get("default/a")!.ips).toEqual(["192.0.2.1"]);
    expect(p.has("default/b")).toBe(false);
  });

  test("enablelb labels select nodes, lbpool narrows them", () => {
    const nodes = [node("n1", "10.0.0.1", { labels: { [ENABLE_LB_LABEL]: "true", [LB_POOL_LABEL]: "x" } }), node("n2", "10.0.0.2", { labels: { [ENABLE_LB_LABEL]: "false" } }), node("n3", "10.0.0.3"), node("n4", "10.0.0.4", { labels: { [ENABLE_LB_LABEL]: "true" } })];
    const p = placeServices([svc("a", [80]), svc("b", [81], { labels: { [LB_POOL_LABEL]: "x" } })], nodes, []);
    expect(p.get("default/a")!.ips).toEqual(["10.0.0.1", "10.0.0.4"]);
    expect(p.get("default/b")!.ips).toEqual(["10.0.0.1"]);
  });

  test("a port held by an older Service or a local process leaves the node out, with the holder named", () => {
    const nodes = [node("n1", "10.0.0.1"), node("n2", "10.0.0.2", { annotations: { [PORTS_IN_USE_ANNOTATION]: "443/TCP" } })];
    const p = placeServices([svc("new", [80, 443], { created: "2025-01-02T00:00:00Z" }), svc("old", [80], { created: "2025-01-01T00:00:00Z" }), svc("udp", [80].map(() => 80), { created: "2025-01-03T00:00:00Z" })].map((s) =>
      s.metadata.name === "udp" ? { ...s, spec: { ...s.spec, ports: [{ port: 80, protocol: "UDP" }] } } : s), nodes, []);
    expect(p.get("default/old")!.ips).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(p.get("default/new")).toEqual({ ips: [], conflicts: [
      { node: "n1", port: "80/TCP", holder: "LoadBalancer Service default/old" },
      { node: "n2", port: "80/TCP", holder: "LoadBalancer Service default/old" },
    ] });
    expect(p.get("default/udp")!.ips).toEqual(["10.0.0.1", "10.0.0.2"]);
  });

  test("externalTrafficPolicy Local: only nodes with a ready pod endpoint", () => {
    const slices = [{ metadata: { namespace: "default", labels: { "kubernetes.io/service-name": "a" } }, endpoints: [
      { conditions: { ready: true }, nodeName: "n2", targetRef: { kind: "Pod" } }, { conditions: { ready: false }, nodeName: "n1", targetRef: { kind: "Pod" } }] }];
    const p = placeServices([svc("a", [80], { externalTrafficPolicy: "Local" })], [node("n1", "10.0.0.1"), node("n2", "10.0.0.2")], slices);
    expect(p.get("default/a")!.ips).toEqual(["10.0.0.2"]);
  });
});
