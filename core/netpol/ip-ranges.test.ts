import { describe, expect, test } from "bun:test";
import { cidrRange, formatRange, mergeRanges, parseAddress, subtractRanges, type AddrRange } from "./ip-ranges.ts";

const r = (cidr: string) => cidrRange(cidr)!;
const show = (rs: AddrRange[]) => rs.map(formatRange);

describe("address ranges", () => {
  test("CIDRs, host bits ignored, bad input refused", () => {
    expect(formatRange(r("10.42.0.0/16"))).toBe("10.42.0.0-10.42.255.255");
    expect(formatRange(r("10.42.3.7/24"))).toBe("10.42.3.0-10.42.3.255");
    expect(formatRange(r("10.0.0.1/32"))).toBe("10.0.0.1");
    expect(formatRange(r("0.0.0.0/0"))).toBe("0.0.0.0-255.255.255.255");
    expect(cidrRange("10.0.0.0/33")).toBeUndefined();
    expect(cidrRange("10.0.0/8")).toBeUndefined();
  });

  test("IPv6: compressed forms and embedded IPv4", () => {
    expect(formatRange(r("fd00::/120"))).toBe("fd00:0:0:0:0:0:0:0-fd00:0:0:0:0:0:0:ff");
    expect(parseAddress("::1")?.value).toBe(1n);
    expect(parseAddress("::ffff:1.2.3.4")?.value).toBe(0xffff01020304n);
    expect(parseAddress("1:2:3:4:5:6:7:8:9")).toBeUndefined();
  });

  test("except carves holes; merging joins touching and overlapping ranges", () => {
    expect(show(subtractRanges(r("10.0.0.0/8"), [r("10.1.0.0/16"), r("10.0.0.0/16"), r("11.0.0.0/8")]))).toEqual(["10.2.0.0-10.255.255.255"]);
    expect(show(subtractRanges(r("10.0.0.0/30"), [r("10.0.0.1/32")]))).toEqual(["10.0.0.0", "10.0.0.2-10.0.0.3"]);
    expect(show(subtractRanges(r("10.0.0.0/30"), [r("10.0.0.0/8")]))).toEqual([]);
    expect(show(mergeRanges([r("10.0.0.2/32"), r("10.0.0.0/31"), r("10.0.0.8/29"), r("10.0.0.9/32"), r("fd00::1/128")])))
      .toEqual(["10.0.0.0-10.0.0.2", "10.0.0.8-10.0.0.15", "fd00:0:0:0:0:0:0:1"]);
  });
});
