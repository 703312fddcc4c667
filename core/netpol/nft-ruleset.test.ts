import { describe, expect, test } from "bun:test";
import { cidrRange } from "./ip-ranges.ts";
import { allowRuleMatches, chainRules, renderNetpolRuleset, renderTableRemoval } from "./nft-ruleset.ts";
import type { NetpolState } from "./policy-model.ts";

const range = (c: string) => cidrRange(c)!;

describe("network policy ruleset", () => {
  test("no isolated pod: the table holds an empty forward chain, nothing else", () => {
    const r = renderNetpolRuleset({ pods: [], policies: 0 });
    expect(r.text).toBe([
      "add table inet lite-netpol",
      "delete table inet lite-netpol",
      "table inet lite-netpol {",
      "\tchain forward {",
      "\t\ttype filter hook forward priority filter; policy accept;",
      "\t}",
      "}",
      "",
    ].join("\n"));
    expect(r.rules).toBe(0);
  });

  test("allow rules: address sets per family, ports per protocol, merged port ranges", () => {
    expect(allowRuleMatches({ peers: "any", ports: "any" }, "ingress")).toEqual([""]);
    expect(allowRuleMatches({ peers: [range("10.42.0.11/32"), range("192.168.0.0/24"), range("fd00::/127")], ports: "any" }, "ingress"))
      .toEqual(["ip saddr { 10.42.0.11, 192.168.0.0-192.168.0.255 }", "ip6 saddr { fd00:0:0:0:0:0:0:0-fd00:0:0:0:0:0:0:1 }"]);
    expect(allowRuleMatches({ peers: [range("10.42.0.11/32")], ports: [{ protocol: "TCP", port: 80 }, { protocol: "TCP", port: 81, endPort: 90 }, { protocol: "UDP", port: 53 }, { protocol: "SCTP" }] }, "egress"))
      .toEqual(["ip daddr { 10.42.0.11 } meta l4proto tcp th dport { 80-90 }", "ip daddr { 10.42.0.11 } meta l4proto udp th dport { 53 }", "ip daddr { 10.42.0.11 } meta l4proto sctp"]);
    expect(allowRuleMatches({ peers: "any", ports: [{ protocol: "TCP", port: 80 }, { protocol: "TCP" }] }, "ingress")).toEqual(["meta l4proto tcp"]);
  });

  test("a chain returns on each allowed match and drops the rest; allow-all has no drop", () => {
    expect(chainRules([], "ingress")).toEqual(["drop"]);
    expect(chainRules([{ peers: "any", ports: [{ protocol: "TCP", port: 80 }] }, { peers: "any", ports: [{ protocol: "TCP", port: 80 }] }], "ingress"))
      .toEqual(["meta l4proto tcp th dport { 80 } return", "drop"]);
    expect(chainRules([{ peers: "any", ports: "any" }], "egress")).toEqual(["return"]);
  });

  test("isolated pods: vmaps per direction and family, chains shared by pods with the same rules", () => {
    const state: NetpolState = {
      policies: 2,
      pods: [
        { pod: "a/one", ips: ["10.42.0.10"], ingress: [] },
        { pod: "a/two", ips: ["10.42.0.11", "fd00::11"], ingress: [], egress: [{ peers: [range("10.42.0.10/32")], ports: "any" }] },
      ],
    };
    const r = renderNetpolRuleset(state, { table: "t" });
    expect(r.chains).toBe(2);
    expect(r.elements).toBe(5);
    const deny = /ingress-[0-9a-f]{16}/.exec(r.text)![0];
    const egress = /egress-[0-9a-f]{16}/.exec(r.text)![0];
    expect(r.text).toContain(`elements = { 10.42.0.10 : jump ${deny}, 10.42.0.11 : jump ${deny} }`);
    expect(r.text).toContain(`elements = { fd00::11 : jump ${deny} }`);
    expect(r.text).toContain(`elements = { 10.42.0.11 : jump ${egress} }`);
    expect(r.text).toContain([
      "\t\tct state established,related accept",
      "\t\tip saddr vmap @egress-ip",
      "\t\tip6 saddr vmap @egress-ip6",
      "\t\tip daddr vmap @ingress-ip",
      "\t\tip6 daddr vmap @ingress-ip6",
    ].join("\n"));
    expect(r.text).toContain(`\tchain ${egress} {\n\t\tip daddr { 10.42.0.10 } return\n\t\tdrop\n\t}`);
    expect(r.text.startsWith(renderTableRemoval("t"))).toBe(true);
  });
});
