import { describe, expect, test } from "bun:test";
import { formatRange } from "./ip-ranges.ts";
import { computeNetpolState, policyTypesOf, type AllowRule, type NpNamespace, type NpPod, type NpPolicy } from "./policy-model.ts";

const NODE = "node-a";

function pod(ns: string, name: string, ip: string, labels: Record<string, string> = {}, extra: { node?: string; ports?: { name?: string; containerPort: number; protocol?: string }[]; hostNetwork?: boolean; phase?: string } = {}): NpPod {
  return {
    metadata: { namespace: ns, name, labels },
    spec: { nodeName: extra.node ?? NODE, ...(extra.hostNetwork ? { hostNetwork: true } : {}), containers: [{ ports: extra.ports ?? [] }] },
    status: { phase: extra.phase ?? "Running", podIP: ip, podIPs: [{ ip }] },
  };
}
const namespace = (name: string, labels: Record<string, string> = {}): NpNamespace => ({ metadata: { name, labels } });
const policy = (ns: string, name: string, spec: NpPolicy["spec"]): NpPolicy => ({ metadata: { namespace: ns, name }, spec });

/** Rules as readable strings: "peers|ports". */
const show = (rules: readonly AllowRule[] | undefined) =>
  rules?.map((r) => `${r.peers === "any" ? "any" : r.peers.map(formatRange).join(",")}|${r.ports === "any" ? "any" : r.ports.map((p) => `${p.protocol}${p.port !== undefined ? `:${p.port}${p.endPort ? `-${p.endPort}` : ""}` : ""}`).join(",")}`);

const NAMESPACES = [namespace("a", { team: "x" }), namespace("b", { team: "y" }), namespace("c")];
const PODS = [
  pod("a", "server", "10.42.0.10", { app: "server" }, { ports: [{ name: "http", containerPort: 8080 }, { name: "dns", containerPort: 53, protocol: "UDP" }] }),
  pod("a", "client", "10.42.0.11", { app: "client" }),
  pod("a", "other", "10.42.0.12", { app: "other" }),
  pod("b", "client", "10.42.1.20", { app: "client" }, { node: "node-b" }),
  pod("c", "web", "10.42.1.30", { app: "web" }, { node: "node-b", ports: [{ name: "http", containerPort: 9090 }] }),
];
const state = (policies: NpPolicy[], pods = PODS) => computeNetpolState(pods, NAMESPACES, policies, { nodeName: NODE });
const rulesOf = (s: ReturnType<typeof state>, p: string) => s.pods.find((x) => x.pod === p);

describe("network policy model", () => {
  test("no policy: no pod is isolated", () => {
    expect(state([]).pods).toEqual([]);
  });

  test("policyTypes defaults to Ingress, plus Egress when egress rules exist", () => {
    expect(policyTypesOf(policy("a", "p", { podSelector: {} }))).toEqual({ ingress: true, egress: false });
    expect(policyTypesOf(policy("a", "p", { podSelector: {}, egress: [{}] }))).toEqual({ ingress: true, egress: true });
    expect(policyTypesOf(policy("a", "p", { podSelector: {}, policyTypes: ["Egress"] }))).toEqual({ ingress: false, egress: true });
  });

  test("default deny ingress isolates every pod of the namespace on this node, and only those", () => {
    const s = state([policy("a", "deny", { podSelector: {} })]);
    expect(s.pods.map((p) => p.pod)).toEqual(["a/client", "a/other", "a/server"]);
    expect(rulesOf(s, "a/server")).toEqual({ pod: "a/server", ips: ["10.42.0.10"], ingress: [] });
  });

  test("allow from pods with a label (policy's namespace only)", () => {
    const s = state([policy("a", "p", { podSelector: { matchLabels: { app: "server" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }] })]);
    expect(s.pods.map((p) => p.pod)).toEqual(["a/server"]);
    expect(show(rulesOf(s, "a/server")!.ingress)).toEqual(["10.42.0.11|any"]);
  });

  test("namespaceSelector alone: every pod of matching namespaces; both: matching pods in matching namespaces", () => {
    const ns = state([policy("a", "p", { podSelector: { matchLabels: { app: "server" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "y" } } }] }] })]);
    expect(show(rulesOf(ns, "a/server")!.ingress)).toEqual(["10.42.1.20|any"]);
    const byName = state([policy("a", "p", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "c" } } }] }] })]);
    expect(show(rulesOf(byName, "a/server")!.ingress)).toEqual(["10.42.1.30|any"]);
    const both = state([policy("a", "p", { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "client" } } }] }] })]);
    expect(show(rulesOf(both, "a/server")!.ingress)).toEqual(["10.42.0.11,10.42.1.20|any"]);
  });

  test("ipBlock with except becomes ranges", () => {
    const s = state([policy("a", "p", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "192.168.0.0/16", except: ["192.168.1.0/24", "192.168.3.0/24"] } }] }] })]);
    expect(show(rulesOf(s, "a/server")!.ingress)).toEqual(["192.168.0.0-192.168.0.255,192.168.2.0-192.168.2.255,192.168.4.0-192.168.255.255|any"]);
  });

  test("ports: numbers, endPort ranges, protocols, and named ports resolved on the destination pod", () => {
    const s = state([policy("a", "p", {
      podSelector: {},
      ingress: [{ ports: [{ port: 80 }, { protocol: "UDP", port: 5000, endPort: 5010 }, { protocol: "SCTP" }, { port: "http" }, { protocol: "UDP", port: "dns" }] }],
    })]);
    expect(show(rulesOf(s, "a/server")!.ingress)).toEqual(["any|TCP:80,UDP:5000-5010,SCTP,TCP:8080,UDP:53"]);
    // The client has no port named http: only the numbered ones.
    expect(show(rulesOf(s, "a/client")!.ingress)).toEqual(["any|TCP:80,UDP:5000-5010,SCTP"]);
  });

  test("a rule whose only port is a name the pod lacks allows nothing", () => {
    const s = state([policy("a", "p", { podSelector: {}, ingress: [{ ports: [{ port: "http" }] }] })]);
    expect(show(rulesOf(s, "a/client")!.ingress)).toEqual([]);
  });

  test("egress-only policy: ingress stays open; named egress ports resolve on each peer pod", () => {
    const s = state([policy("a", "p", {
      podSelector: { matchLabels: { app: "client" } }, policyTypes: ["Egress"],
      egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: "http" }, { port: 443 }] }],
    })]);
    const c = rulesOf(s, "a/client")!;
    expect(c.ingress).toBeUndefined();
    expect(show(c.egress)).toEqual([
      "10.42.0.10-10.42.0.12,10.42.1.20,10.42.1.30|TCP:443",
      "10.42.0.10|TCP:8080",
      "10.42.1.30|TCP:9090",
    ]);
  });

  test("egress default deny with an empty egress list; egress to everything with an empty rule", () => {
    const deny = state([policy("a", "p", { podSelector: {}, policyTypes: ["Egress"] })]);
    expect(rulesOf(deny, "a/client")).toEqual({ pod: "a/client", ips: ["10.42.0.11"], egress: [] });
    const all = state([policy("a", "p", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] })]);
    expect(show(rulesOf(all, "a/client")!.egress)).toEqual(["any|any"]);
  });

  test("several policies: their rules add up; one with Ingress and Egress isolates both ways", () => {
    const s = state([
      policy("a", "one", { podSelector: { matchLabels: { app: "server" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }], ports: [{ port: 8080 }] }] }),
      policy("a", "two", { podSelector: { matchLabels: { app: "server" } }, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [{ podSelector: { matchLabels: { app: "other" } } }] }] }),
    ]);
    const srv = rulesOf(s, "a/server")!;
    expect(show(srv.ingress)).toEqual(["10.42.0.11|TCP:8080", "10.42.0.12|any"]);
    expect(srv.egress).toEqual([]);
  });

  test("policies of other namespaces, other nodes' pods, host-network and finished pods are not isolated", () => {
    const pods = [...PODS, pod("a", "host", "192.168.77.1", {}, { hostNetwork: true }), pod("a", "done", "10.42.0.99", {}, { phase: "Succeeded" })];
    const s = state([policy("b", "deny", { podSelector: {} }), policy("a", "deny", { podSelector: {} })], pods);
    expect(s.pods.map((p) => p.pod)).toEqual(["a/client", "a/other", "a/server"]);
  });

  test("host-network pods are not peers; a peer selecting nothing allows nothing", () => {
    const pods = [...PODS, pod("a", "host", "192.168.77.1", { app: "client" }, { hostNetwork: true })];
    const s = state([policy("a", "p", { podSelector: { matchLabels: { app: "server" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }, { from: [{ podSelector: { matchLabels: { app: "none" } } }] }] })], pods);
    expect(show(rulesOf(s, "a/server")!.ingress)).toEqual(["10.42.0.11|any"]);
  });

  test("matchExpressions in selectors", () => {
    const s = state([policy("a", "p", { podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["server"] }] }, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: "app", operator: "NotIn", values: ["server", "other"] }] } }] }] })]);
    expect(s.pods.map((p) => p.pod)).toEqual(["a/server"]);
    expect(show(rulesOf(s, "a/server")!.ingress)).toEqual(["10.42.0.11|any"]);
  });
});
