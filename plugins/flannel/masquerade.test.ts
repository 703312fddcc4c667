import { describe, expect, test } from "bun:test";
import { masqueradeRuleset } from "./masquerade.ts";

describe("flannel masquerade ruleset", () => {
  test("upstream flannel's rules, in its order, in table ip lite-flannel", () => {
    expect(masqueradeRuleset({ clusterCIDR: "10.42.0.0/16", podCIDR: "10.42.3.0/24" })).toBe(`table ip lite-flannel {
	chain postrtg {
		type nat hook postrouting priority srcnat; policy accept;
		meta mark & 0x00004000 == 0x00004000 return
		ip saddr 10.42.3.0/24 ip daddr 10.42.0.0/16 return
		ip saddr 10.42.0.0/16 ip daddr 10.42.3.0/24 return
		ip saddr != 10.42.0.0/16 ip daddr 10.42.3.0/24 return
		ip saddr 10.42.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random
		ip saddr != 10.42.0.0/16 ip daddr 10.42.0.0/16 masquerade fully-random
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		ip saddr 10.42.0.0/16 accept
		ip daddr 10.42.0.0/16 accept
	}
}
`);
  });
});
