import { describe, expect, test } from "bun:test";
import { canonicalIP, cidrContains, parseCidr, parseIP, parseReverseName, reverseName } from "./ip.ts";

describe("IP helpers", () => {
  test("parse and format IPv4 and IPv6 canonically", () => {
    expect(canonicalIP("10.43.0.10")).toBe("10.43.0.10");
    expect(canonicalIP("010.43.0.10")).toBeUndefined();
    expect(canonicalIP("256.1.1.1")).toBeUndefined();
    expect(canonicalIP("FD00:0:0:0:0:0:0:1")).toBe("fd00::1");
    expect(canonicalIP("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
    expect(canonicalIP("::ffff:1.2.3.4")).toBe("::ffff:102:304");
    expect(canonicalIP("1::2::3")).toBeUndefined();
    expect(canonicalIP("1:2:3:4:5:6:7:8:9")).toBeUndefined();
    expect(parseIP("::")?.length).toBe(16);
  });

  test("reverse names both ways, CIDR membership of prefixes", () => {
    expect(reverseName("10.43.0.10")).toBe("10.0.43.10.in-addr.arpa");
    expect(reverseName("fd00::1")).toBe(`1.${"0.".repeat(29)}d.f.ip6.arpa`);
    const full = parseReverseName("10.0.43.10.in-addr.arpa")!;
    expect([...full.bytes, full.bits]).toEqual([10, 43, 0, 10, 32]);
    const v6 = parseReverseName(reverseName("fd00::1")!)!;
    expect(v6.bits).toBe(128);
    expect(canonicalIP("fd00::1")).toBe("fd00::1");
    expect(parseReverseName("x.in-addr.arpa")).toBeUndefined();
    const cidr = parseCidr("10.43.0.0/16")!;
    expect(cidrContains(cidr, parseIP("10.43.255.1")!)).toBe(true);
    expect(cidrContains(cidr, parseIP("10.44.0.1")!)).toBe(false);
    expect(cidrContains(cidr, parseReverseName("43.10.in-addr.arpa")!.bytes, 16)).toBe(true);
    expect(cidrContains(cidr, parseReverseName("10.in-addr.arpa")!.bytes, 8)).toBe(false);
  });
});
