import { describe, expect, test } from "bun:test";
import { formatIpv4Cidr, parseIpv4Cidr } from "./ipv4-cidr.ts";
import { createSubnetAllocator } from "./subnet-allocator.ts";

describe("IPv4 CIDRs", () => {
  test("parse and format; IPv6, host bits and junk are rejected", () => {
    expect(parseIpv4Cidr("10.42.0.0/16")).toEqual({ base: 0x0a2a0000, prefix: 16 });
    expect(formatIpv4Cidr(parseIpv4Cidr("255.255.255.0/24")!)).toBe("255.255.255.0/24");
    for (const bad of ["10.42.0.1/16", "fd00::/56", "10.42.0.0", "10.42.0.0/33", "256.0.0.0/8"]) expect(parseIpv4Cidr(bad)).toBeUndefined();
  });
});

describe("subnet allocator", () => {
  test("the first node gets the first /24; then the next free one", () => {
    const a = createSubnetAllocator("10.42.0.0/16", 24);
    expect(a.capacity).toBe(256);
    expect(a.next([])).toBe("10.42.0.0/24");
    expect(a.next(["10.42.0.0/24"])).toBe("10.42.1.0/24");
    expect(a.next(["10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24"])).toBe("10.42.3.0/24");
  });

  test("a fresh allocator (a restart) skips every subnet in use, whatever its size, and ignores foreign ranges", () => {
    const a = createSubnetAllocator("10.42.0.0/16", 24);
    expect(a.next(["10.42.0.0/23", "10.42.2.128/25", "192.168.0.0/24", "garbage"])).toBe("10.42.3.0/24");
  });

  test("round-robin: a freed subnet is reused once the others are taken", () => {
    const a = createSubnetAllocator("10.42.0.0/22", 24); // 4 subnets
    const take = (used: string[]) => { const c = a.next(used); if (c) a.commit(c); return c; };
    expect([take([]), take(["10.42.0.0/24"])]).toEqual(["10.42.0.0/24", "10.42.1.0/24"]);
    // 10.42.0.0/24's node went away: the next one still moves on.
    expect(take(["10.42.1.0/24"])).toBe("10.42.2.0/24");
    expect(take(["10.42.1.0/24", "10.42.2.0/24"])).toBe("10.42.3.0/24");
    expect(take(["10.42.1.0/24", "10.42.2.0/24", "10.42.3.0/24"])).toBe("10.42.0.0/24");
  });

  test("a subnet looked at but not committed (its write failed) is offered again", () => {
    const a = createSubnetAllocator("10.42.0.0/16", 24);
    expect(a.next([])).toBe("10.42.0.0/24");
    expect(a.next([])).toBe("10.42.0.0/24");
  });

  test("exhaustion, then reuse after a delete", () => {
    const a = createSubnetAllocator("10.42.0.0/23", 24);
    expect(a.next(["10.42.0.0/24", "10.42.1.0/24"])).toBeUndefined();
    expect(a.next(["10.42.1.0/24"])).toBe("10.42.0.0/24");
  });

  test("contains and bad settings", () => {
    const a = createSubnetAllocator("10.42.0.0/16", 24);
    expect(a.contains("10.42.7.0/24")).toBe(true);
    expect(a.contains("10.43.0.0/24")).toBe(false);
    expect(a.contains("10.0.0.0/8")).toBe(false);
    expect(() => createSubnetAllocator("10.42.0.0/25", 24)).toThrow("node CIDR mask size /24 must be between the cluster CIDR's /25 and /32");
    expect(() => createSubnetAllocator("fd00::/56", 64)).toThrow('cluster CIDR "fd00::/56" is not an IPv4 CIDR');
  });
});
