import { describe, expect, test } from "bun:test";
import { computeProxyState, type NodeFacts } from "./proxy-model.ts";
import { staleUdpFlows } from "./conntrack-cleanup.ts";
import { endpoint, endpointSlice, service } from "./testing/objects.ts";

const node: NodeFacts = { nodeName: "node-a", family: "IPv4", nodePortAddresses: [], clusterCIDRs: ["10.42.0.0/16"] };
const dns = service("dns", { type: "NodePort", clusterIP: "10.43.0.10", ports: [{ port: 53, protocol: "UDP", nodePort: 30053 }, { name: "tcp", port: 53, protocol: "TCP" }] });
const state = (...ips: string[]) => computeProxyState([dns], [endpointSlice("dns", ips.map((ip) => endpoint(ip)), [{ port: 53, protocol: "UDP" }, { name: "tcp", port: 53 }])], node);

describe("stale UDP conntrack entries", () => {
  test("nothing on the first sync or when nothing changed", () => {
    expect(staleUdpFlows(undefined, state("10.42.0.5"))).toEqual([]);
    expect(staleUdpFlows(state("10.42.0.5"), state("10.42.0.5"))).toEqual([]);
  });

  test("a removed UDP endpoint: flows to the ClusterIP and NodePort DNATed to it (TCP ignored)", () => {
    expect(staleUdpFlows(state("10.42.0.5", "10.42.0.6"), state("10.42.0.6"))).toEqual([
      ["-D", "-p", "udp", "--orig-dst", "10.43.0.10", "--orig-port-dst", "53", "--dst-nat", "10.42.0.5"],
      ["-D", "-p", "udp", "--orig-port-dst", "30053", "--dst-nat", "10.42.0.5"],
    ]);
  });

  test("a UDP service that gains its first endpoint: every flow to its addresses", () => {
    expect(staleUdpFlows(state(), state("10.42.0.5"))).toEqual([
      ["-D", "-p", "udp", "--orig-dst", "10.43.0.10", "--orig-port-dst", "53"],
      ["-D", "-p", "udp", "--orig-port-dst", "30053"],
    ]);
  });

  test("a deleted UDP service: flows to its former endpoints", () => {
    const empty = computeProxyState([], [], node);
    expect(staleUdpFlows(state("10.42.0.5"), empty)).toHaveLength(2);
  });
});
