/**
 * Real traffic through the rendered rules: a node, pods and an off-cluster client in network
 * namespaces of this test (testing/netns-lab.ts), TCP servers in the pods, the ruleset applied in
 * the node's namespace. Traffic stays inside those namespaces.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { computeProxyState, type ProxyEndpointSlice, type ProxyService } from "./proxy-model.ts";
import { renderRuleset } from "./nft-ruleset.ts";
import { nftExecutor, removeProxyRules } from "./nft-exec.ts";
import { createNetnsLab, NODE_IP, OUTSIDE_IP, POD_GATEWAY, type NetnsLab } from "./testing/netns-lab.ts";
import { endpoint, endpointSlice, service } from "./testing/objects.ts";

type Probe = { reply?: string; error?: string; ms: number };
const POD_A = "10.42.0.10", POD_B = "10.42.0.11", CLIENT = "10.42.0.20";

let lab: NetnsLab;
let nft: ReturnType<typeof nftExecutor>;
let client: string;

beforeAll(async () => {
  lab = createNetnsLab();
  nft = nftExecutor(["ip", "netns", "exec", lab.node]);
  const a = lab.addPod(POD_A), b = lab.addPod(POD_B);
  client = lab.addPod(CLIENT);
  await Promise.all([lab.startFixture(a, ["serve", "8080", "a"]), lab.startFixture(b, ["serve", "8080", "b"])]);
}, 60_000);
afterAll(() => lab?.destroy());

async function apply(services: ProxyService[], slices: ProxyEndpointSlice[]) {
  const state = computeProxyState(services, slices, { nodeName: "node-a", family: "IPv4", nodePortAddresses: [NODE_IP], clusterCIDRs: ["10.42.0.0/16"] });
  const listed = await nft.list("IPv4");
  await nft.apply(renderRuleset(state, { existingChains: listed.chains, existingSets: listed.sets }).text);
}
const probe = (ns: string, host: string, port: number, count: number, timeoutMs = 3000) =>
  lab.fixture<Probe[]>(ns, ["probe", host, String(port), String(count), String(timeoutMs)]);
const names = (ps: Probe[]) => ps.map((p) => p.reply?.split(" ")[0] ?? p.error);

const web = service("web", { clusterIP: "10.43.0.10", ports: [{ port: 80, protocol: "TCP" }] });
const webSlice = (...ips: string[]) => endpointSlice("web", ips.map((ip) => endpoint(ip)), [{ port: 8080 }]);

describe("service proxy traffic (network namespaces)", () => {
  test("[sig-network] Services should serve a basic endpoint from pods [Conformance]: ClusterIP spreads over both endpoints, pod source kept", async () => {
    await apply([web], [webSlice(POD_A, POD_B)]);
    const ps = await probe(client, "10.43.0.10", 80, 40);
    expect(ps.filter((p) => p.error)).toEqual([]);
    const seen = new Set(names(ps));
    expect(seen).toEqual(new Set(["a", "b"]));
    // Pod to Service: no masquerade, the endpoint sees the client pod.
    expect(ps.every((p) => p.reply!.endsWith(` ${CLIENT}`))).toBe(true);
  }, 30_000);

  test("a Service without ready endpoints refuses at once (reject, not a black hole)", async () => {
    await apply([web, service("empty", { clusterIP: "10.43.0.11", ports: [{ port: 80 }] })], [webSlice(POD_A)]);
    const ps = await probe(client, "10.43.0.11", 80, 3);
    expect(ps.map((p) => p.error)).toEqual(["ECONNREFUSED", "ECONNREFUSED", "ECONNREFUSED"]);
    expect(Math.max(...ps.map((p) => p.ms))).toBeLessThan(500);
    // The node itself is refused too (filter-output).
    expect((await probe(lab.node, "10.43.0.11", 80, 1))[0]!.error).toBe("ECONNREFUSED");
  }, 30_000);

  test("[sig-network] Services should have session affinity work for service with type clusterIP [LinuxOnly] [Conformance]", async () => {
    const sticky = service("sticky", { clusterIP: "10.43.0.12", sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 80 }] });
    await apply([sticky], [endpointSlice("sticky", [endpoint(POD_A), endpoint(POD_B)], [{ port: 8080 }])]);
    const ps = await probe(client, "10.43.0.12", 80, 20);
    expect(new Set(names(ps)).size).toBe(1);
    // A resync keeps the affinity (the sets are not flushed).
    await apply([sticky], [endpointSlice("sticky", [endpoint(POD_A), endpoint(POD_B)], [{ port: 8080 }])]);
    expect(new Set(names(await probe(client, "10.43.0.12", 80, 10)))).toEqual(new Set(names(ps)));
  }, 30_000);

  test("[sig-network] Services should be able to create a functioning NodePort service [Conformance]: node IP, masqueraded (policy Cluster)", async () => {
    await apply([service("np", { type: "NodePort", clusterIP: "10.43.0.13", ports: [{ port: 80, nodePort: 30080 }] })],
      [endpointSlice("np", [endpoint(POD_A)], [{ port: 8080 }])]);
    const ps = await probe(lab.outside, NODE_IP, 30080, 3);
    expect(ps.map((p) => p.reply)).toEqual([`a ${POD_GATEWAY}`, `a ${POD_GATEWAY}`, `a ${POD_GATEWAY}`]);
    // From a pod and from the node itself too.
    expect((await probe(client, NODE_IP, 30080, 1))[0]!.reply).toStartWith("a ");
    expect((await probe(lab.node, NODE_IP, 30080, 1))[0]!.reply).toStartWith("a ");
  }, 30_000);

  test("externalTrafficPolicy Local keeps the client's source IP; without a local endpoint external traffic is dropped", async () => {
    const np = service("np", { type: "NodePort", clusterIP: "10.43.0.13", externalTrafficPolicy: "Local", ports: [{ port: 80, nodePort: 30080 }] });
    await apply([np], [endpointSlice("np", [endpoint(POD_A), endpoint("10.42.5.5", "node-b")], [{ port: 8080 }])]);
    const ps = await probe(lab.outside, NODE_IP, 30080, 5);
    expect(ps.map((p) => p.reply)).toEqual(Array(5).fill(`a ${OUTSIDE_IP}`));
    await apply([np], [endpointSlice("np", [endpoint("10.42.5.5", "node-b")], [{ port: 8080 }])]);
    expect((await probe(lab.outside, NODE_IP, 30080, 1, 700))[0]!.error).toBe("TIMEOUT");
  }, 30_000);

  test("LoadBalancer ingress IPs from status answer like the NodePort", async () => {
    await apply([service("lb", { type: "LoadBalancer", clusterIP: "10.43.0.14", ports: [{ port: 80, nodePort: 30081 }] }, { loadBalancer: { ingress: [{ ip: "172.16.0.5" }] } })],
      [endpointSlice("lb", [endpoint(POD_B)], [{ port: 8080 }])]);
    expect((await probe(lab.outside, "172.16.0.5", 80, 1))[0]!.reply).toBe(`b ${POD_GATEWAY}`);
  }, 30_000);

  test("internalTrafficPolicy Local: only this node's endpoints; none here means dropped", async () => {
    const svc = service("itp", { clusterIP: "10.43.0.15", internalTrafficPolicy: "Local", ports: [{ port: 80 }] });
    await apply([svc], [endpointSlice("itp", [endpoint(POD_A), endpoint(POD_B, "node-b")], [{ port: 8080 }])]);
    expect(new Set(names(await probe(client, "10.43.0.15", 80, 10)))).toEqual(new Set(["a"]));
    await apply([svc], [endpointSlice("itp", [endpoint(POD_B, "node-b")], [{ port: 8080 }])]);
    expect((await probe(client, "10.43.0.15", 80, 1, 700))[0]!.error).toBe("TIMEOUT");
  }, 30_000);

  test("hairpin: a pod reaching itself through its Service sees a masqueraded source", async () => {
    await apply([web], [webSlice(POD_A)]);
    const ps = await probe(lab.pods.get(POD_A)!, "10.43.0.10", 80, 3);
    expect(ps.map((p) => p.reply)).toEqual(Array(3).fill(`a ${POD_GATEWAY}`));
  }, 30_000);

  test("the node itself reaches a ClusterIP (masqueraded, off the pod network)", async () => {
    await apply([web], [webSlice(POD_B)]);
    expect((await probe(lab.node, "10.43.0.10", 80, 1))[0]!.reply).toBe(`b ${POD_GATEWAY}`);
  }, 30_000);

  test("updates are atomic: switching endpoints back and forth under load loses no connection", async () => {
    await apply([web], [webSlice(POD_A)]);
    const load = probe(client, "10.43.0.10", 80, 300, 2000);
    for (let i = 0; i < 10; i++) {
      await apply([web], [webSlice(i % 2 ? POD_A : POD_B)]);
      await Bun.sleep(30);
    }
    await apply([web], [webSlice(POD_B)]);
    const ps = await load;
    expect(ps.filter((p) => p.error)).toEqual([]);
    expect(names(await probe(client, "10.43.0.10", 80, 5))).toEqual(["b", "b", "b", "b", "b"]);
  }, 60_000);

  test("removeProxyRules leaves no lite-proxy table", async () => {
    await removeProxyRules({ commandPrefix: ["ip", "netns", "exec", lab.node] });
    expect(lab.run(lab.node, ["nft", "list", "tables"])).not.toContain("lite-proxy");
    await removeProxyRules({ commandPrefix: ["ip", "netns", "exec", lab.node] });
  });
});
