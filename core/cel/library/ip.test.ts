import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelCIDR, CelIP } from "./ip.ts";

const run = (src: string) => evaluateCel(parseCel(src), {});

describe("IP library (apiserver/pkg/cel/library/ip.go, Go net/netip)", () => {
  test("ip() parses IPv4 and IPv6; type net.IP; toString is the canonical text", () => {
    const v4 = run("ip('127.0.0.1')") as CelIP;
    expect(v4).toBeInstanceOf(CelIP);
    expect(v4.celType).toBe("net.IP");
    expect(v4.toString()).toBe("127.0.0.1");
    expect(String(run("ip('2001:DB8:0:0:0:0:0:ABCD')"))).toBe("2001:db8::abcd");
    expect(String(run("ip('::')"))).toBe("::");
    expect(String(run("ip('1:0:0:2:0:0:0:3')"))).toBe("1:0:0:2::3");
    expect(String(run("ip('1:0:0:2:0:0:3:4')"))).toBe("1::2:0:0:3:4");
    expect(String(run("ip('1:2:3:4:5:6:7:0')"))).toBe("1:2:3:4:5:6:7:0");
    expect(String(run("ip('::1.2.3.4')"))).toBe("::102:304");
  });

  test("strict parsing: leading zeros, zones, IPv4-mapped IPv6 and junk are errors (doc examples)", () => {
    expect(() => run("ip('127.0.0.256')")).toThrow('IP Address "127.0.0.256" parse error during conversion from string: ParseAddr("127.0.0.256"): IPv4 field has value >255');
    expect(() => run("ip(':::1')")).toThrow("parse error during conversion from string");
    expect(() => run("ip('010.0.0.1')")).toThrow("IPv4 field has octet with leading zero");
    expect(() => run("ip('fe80::1%eth0')")).toThrow('IP address "fe80::1%eth0" with zone value is not allowed');
    expect(() => run("ip('::ffff:1.2.3.4')")).toThrow('IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed');
    expect(() => run("ip('1.2.3')")).toThrow("IPv4 address too short");
    expect(() => run("ip('1.2.3.4.5')")).toThrow("IPv4 address too long");
    expect(() => run("ip('1.2.3.4:80')")).toThrow("unexpected character");
    expect(() => run("ip('localhost')")).toThrow("unable to parse IP");
    expect(() => run("ip('1::2::3')")).toThrow("multiple :: in address");
    expect(() => run("ip('1:2:3:4:5:6:7:8:9')")).toThrow("trailing garbage after address");
    expect(() => run("ip('12345::')")).toThrow("at most 4 hex digits");
    expect(() => run("ip('1:2:3:4:5:6:7::8')")).toThrow("the :: must expand to at least one field of zeros");
    expect(() => run("ip(1)")).toThrow("no such overload");
  });

  test("isIP mirrors ip() (doc examples)", () => {
    expect(run("isIP('127.0.0.1')")).toBe(true);
    expect(run("isIP('::1')")).toBe(true);
    expect(run("isIP('127.0.0.256')")).toBe(false);
    expect(run("isIP(':::1')")).toBe(false);
    expect(run("isIP('::ffff:1.2.3.4')")).toBe(false);
    expect(run("isIP('fe80::1%eth0')")).toBe(false);
    expect(run("isIP('')")).toBe(false);
  });

  test("ip.isCanonical (doc examples)", () => {
    expect(run("ip.isCanonical('127.0.0.1')")).toBe(true);
    expect(run("ip.isCanonical('2001:db8::abcd')")).toBe(true);
    expect(run("ip.isCanonical('2001:DB8::ABCD')")).toBe(false);
    expect(run("ip.isCanonical('2001:db8::0:0:0:abcd')")).toBe(false);
    expect(() => run("ip.isCanonical('x')")).toThrow("unable to parse IP");
  });

  test("family and address classes (doc examples; netip semantics)", () => {
    expect(run("ip('127.0.0.1').family()")).toBe(4n);
    expect(run("ip('::1').family() == 6")).toBe(true);
    const cases: [string, string, boolean][] = [
      ["0.0.0.0", "isUnspecified", true], ["127.0.0.1", "isUnspecified", false], ["::", "isUnspecified", true], ["::1", "isUnspecified", false],
      ["127.0.0.1", "isLoopback", true], ["127.255.0.9", "isLoopback", true], ["192.168.0.1", "isLoopback", false], ["::1", "isLoopback", true], ["2001:db8::abcd", "isLoopback", false],
      ["224.0.0.1", "isLinkLocalMulticast", true], ["224.0.1.1", "isLinkLocalMulticast", false], ["ff02::1", "isLinkLocalMulticast", true], ["ff12::1", "isLinkLocalMulticast", true], ["ff05::1", "isLinkLocalMulticast", false], ["fd00::1", "isLinkLocalMulticast", false],
      ["169.254.169.254", "isLinkLocalUnicast", true], ["192.168.0.1", "isLinkLocalUnicast", false], ["fe80::1", "isLinkLocalUnicast", true], ["febf::1", "isLinkLocalUnicast", true], ["fd80::1", "isLinkLocalUnicast", false],
      ["192.168.0.1", "isGlobalUnicast", true], ["10.0.0.1", "isGlobalUnicast", true], ["255.255.255.255", "isGlobalUnicast", false], ["0.0.0.0", "isGlobalUnicast", false], ["224.0.0.5", "isGlobalUnicast", false], ["169.254.1.1", "isGlobalUnicast", false],
      ["2001:db8::abcd", "isGlobalUnicast", true], ["fd00::1", "isGlobalUnicast", true], ["ff00::1", "isGlobalUnicast", false], ["fe80::1", "isGlobalUnicast", false], ["::1", "isGlobalUnicast", false],
    ];
    for (const [addr, fn, want] of cases) expect([addr, fn, run(`ip('${addr}').${fn}()`)]).toEqual([addr, fn, want]);
  });

  test("== compares addresses, not text", () => {
    expect(run("ip('2001:db8::1') == ip('2001:DB8:0::1')")).toBe(true);
    expect(run("ip('10.0.0.1') == ip('10.0.0.2')")).toBe(false);
    expect(run("ip('::') == ip('0.0.0.0')")).toBe(false);
    expect(run("ip('10.0.0.1') == '10.0.0.1'")).toBe(false);
  });

  test("string(ip) through the `string` overload this library registers", async () => {
    const { ipLibrary } = await import("./ip.ts");
    expect(ipLibrary.string!(undefined, [run("ip('2001:DB8::1')")])).toBe("2001:db8::1");
    expect(() => ipLibrary.string!(undefined, [1n])).toThrow("no such overload");
  });
});

describe("CIDR library (apiserver/pkg/cel/library/cidr.go)", () => {
  test("cidr() parses; type net.CIDR; string keeps the unmasked address (cidr_test)", () => {
    const c = run("cidr('192.168.0.1/24')") as CelCIDR;
    expect(c).toBeInstanceOf(CelCIDR);
    expect(c.celType).toBe("net.CIDR");
    expect(c.toString()).toBe("192.168.0.1/24");
    expect(String(run("cidr('2001:DB8::/32')"))).toBe("2001:db8::/32");
  });

  test("cidr() errors as upstream (cidr_test parse invalid ipv4/ipv6)", () => {
    expect(() => run("cidr('192.168.0.0/')")).toThrow(
      'network address parse error during conversion from string: network address parse error during conversion from string: netip.ParsePrefix("192.168.0.0/"): bad bits after slash: ""');
    expect(() => run("cidr('2001:db8::/')")).toThrow('netip.ParsePrefix("2001:db8::/"): bad bits after slash: ""');
    expect(() => run("cidr('192.168.0.0/33')")).toThrow("prefix length out of range");
    expect(() => run("cidr('::1/129')")).toThrow("prefix length out of range");
    expect(() => run("cidr('10.0.0.0/08')")).toThrow("bad bits after slash");
    expect(() => run("cidr('10.0.0.0')")).toThrow("no '/'");
    expect(() => run("cidr('010.0.0.0/8')")).toThrow("leading zero");
    expect(() => run("cidr('fe80::%eth0/64')")).toThrow("IPv6 zones cannot be present in a prefix");
    expect(() => run("cidr('::ffff:1.2.3.0/120')")).toThrow('IPv4-mapped IPv6 address "::ffff:1.2.3.0/120" is not allowed');
    expect(() => run("cidr(192168)")).toThrow("no such overload");
  });

  test("isCIDR (doc examples)", () => {
    expect(run("isCIDR('192.168.0.0/16')")).toBe(true);
    expect(run("isCIDR('::1/128')")).toBe(true);
    expect(run("isCIDR('192.168.0.0/33')")).toBe(false);
    expect(run("isCIDR('::1/129')")).toBe(false);
    expect(run("isCIDR('192.168.0.1/16')")).toBe(true);
  });

  test("containsIP with an IP or a string (cidr_test)", () => {
    expect(run("cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))")).toBe(true);
    expect(run("cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))")).toBe(false);
    expect(run("cidr('192.168.0.0/24').containsIP('192.168.0.1')")).toBe(true);
    expect(run("cidr('192.168.0.0/24').containsIP('192.168.1.1')")).toBe(false);
    expect(run("cidr('2001:db8::/32').containsIP(ip('2001:db8::1'))")).toBe(true);
    expect(run("cidr('2001:db8::/32').containsIP('2001:dc8::1')")).toBe(false);
    expect(run("cidr('10.1.2.3/8').containsIP('10.200.0.1')")).toBe(true);
    expect(run("cidr('0.0.0.0/0').containsIP('::1')")).toBe(false);
    expect(() => run("cidr('10.0.0.0/8').containsIP('nope')")).toThrow("unable to parse IP");
    expect(() => run("cidr('10.0.0.0/8').containsIP(1)")).toThrow("no such overload");
  });

  test("containsCIDR compares masked networks (cidr_test; kubernetes#130450 fix)", () => {
    expect(run("cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))")).toBe(true);
    expect(run("cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/23'))")).toBe(false);
    expect(run("cidr('192.168.0.0/24').containsCIDR('192.168.0.0/25')")).toBe(true);
    expect(run("cidr('2001:db8::/32').containsCIDR('2001:db8::/33')")).toBe(true);
    expect(run("cidr('2001:db8::/32').containsCIDR(cidr('2001:db8::/31'))")).toBe(false);
    expect(run("cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))")).toBe(true);
    expect(run("cidr('192.168.0.0/16').containsCIDR('192.168.0.1/32')")).toBe(true);
    expect(run("cidr('192.168.1.0/24').containsCIDR('192.168.2.0/24')")).toBe(false);
    expect(run("cidr('0.0.0.0/0').containsCIDR('::/0')")).toBe(false);
  });

  test("ip(), masked(), prefixLength() (cidr_test, doc examples)", () => {
    expect(run("cidr('192.168.0.1/24').ip() == ip('192.168.0.1')")).toBe(true);
    expect(run("cidr('192.168.0.1/24').ip().family()")).toBe(4n);
    expect(run("cidr('::1/128').ip().family()")).toBe(6n);
    expect(run("cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')")).toBe(true);
    expect(run("cidr('192.168.0.0/24') == cidr('192.168.0.0/24').masked()")).toBe(true);
    expect(run("cidr('192.168.0.1/24') == cidr('192.168.0.1/24').masked()")).toBe(false);
    expect(String(run("cidr('2001:db8:1::/32').masked()"))).toBe("2001:db8::/32");
    expect(String(run("cidr('10.255.255.255/9').masked()"))).toBe("10.128.0.0/9");
    expect(run("cidr('192.168.0.0/16').prefixLength()")).toBe(16n);
    expect(run("cidr('::1/128').prefixLength()")).toBe(128n);
    expect(() => run("ip('10.0.0.1').masked()")).toThrow("no such overload");
  });
});
