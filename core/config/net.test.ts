import { describe, expect, test } from "bun:test";
import { isIP, isIPv4, isIPv6, parseCIDR } from "./net.ts";

describe("address parsing", () => {
  test("IPv4", () => {
    expect(isIPv4("10.43.0.10")).toBe(true);
    expect(isIPv4("256.1.1.1")).toBe(false);
    expect(isIPv4("01.1.1.1")).toBe(false);
    expect(isIPv4("1.1.1")).toBe(false);
  });
  test("IPv6", () => {
    expect(isIPv6("::1")).toBe(true);
    expect(isIPv6("fd00::10")).toBe(true);
    expect(isIPv6("2001:db8:0:0:0:0:0:1")).toBe(true);
    expect(isIPv6("::ffff:10.0.0.1")).toBe(true);
    expect(isIPv6("1:2:3:4:5:6:7:8:9")).toBe(false);
    expect(isIPv6("1::2::3")).toBe(false);
    expect(isIP("example.com")).toBe(false);
  });
  test("CIDR", () => {
    expect(parseCIDR("10.42.0.0/16")).toEqual({ ip: "10.42.0.0", prefix: 16, family: 4 });
    expect(parseCIDR("fd00:42::/56")?.family).toBe(6);
    expect(parseCIDR("10.42.0.0/33")).toBeUndefined();
    expect(parseCIDR("10.42.0.0")).toBeUndefined();
    expect(parseCIDR("nope/8")).toBeUndefined();
  });
});

