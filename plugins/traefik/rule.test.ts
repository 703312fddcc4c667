import { describe, expect, test } from "bun:test";
import { compileRule, goRegexp, parseRule, queryValues, RuleError, type RequestView } from "./rule.ts";

const req = (o: Partial<{ method: string; headers: Record<string, string[]>; query: string; ip: string }> = {}): RequestView => ({
  method: o.method ?? "GET", query: o.query ?? "", ip: o.ip ?? "10.0.0.1",
  headerValues: (n) => o.headers?.[n] ?? [],
});
const m = (rule: string, host: string, path: string, r: RequestView = req()) => compileRule(rule)(host, path, r);

describe("Traefik v3 rules", () => {
  test("Host, PathPrefix, && / || / ! and parentheses (Traefik's documentation examples)", () => {
    expect(m("Host(`a.test`) && PathPrefix(`/api`)", "a.test", "/api/x")).toBe(true);
    expect(m("Host(`a.test`) && PathPrefix(`/api`)", "b.test", "/api/x")).toBe(false);
    expect(m("Host(`a.test`) && PathPrefix(`/api`)", "a.test", "/web")).toBe(false);
    expect(m("Host(`A.Test`)", "a.test", "/")).toBe(true); // case-insensitive
    expect(m("Host(`a.test.`)", "a.test", "/")).toBe(true); // trailing dot
    expect(m("Host(`a.test`)", "a.test.", "/")).toBe(true);
    const r = "Host(`example.com`) && (PathPrefix(`/api`) || Path(`/metrics`))";
    expect(m(r, "example.com", "/metrics")).toBe(true);
    expect(m(r, "example.com", "/metrics/x")).toBe(false);
    expect(m(r, "example.com", "/api/v1")).toBe(true);
    expect(m("!Host(`a.test`)", "b.test", "/")).toBe(true);
    expect(m("!Host(`a.test`)", "a.test", "/")).toBe(false);
    // && binds tighter than ||.
    expect(m("Host(`x`) || Host(`a.test`) && Path(`/p`)", "x", "/q")).toBe(true);
    expect(m("Host(`x`) || Host(`a.test`) && Path(`/p`)", "a.test", "/q")).toBe(false);
    expect(m('Host("a.test") && Path("/q")', "a.test", "/q")).toBe(true); // double-quoted strings
  });

  test("HostRegexp, PathRegexp (Go syntax, unanchored)", () => {
    expect(m("HostRegexp(`^.+\\.example\\.com$`)", "www.example.com", "/")).toBe(true);
    expect(m("HostRegexp(`^.+\\.example\\.com$`)", "example.com", "/")).toBe(false);
    expect(m("HostRegexp(`example`)", "sub.example.org", "/")).toBe(true);
    expect(m("PathRegexp(`\\.(jpeg|jpg|png)$`)", "h", "/images/a.png")).toBe(true);
    expect(m("PathRegexp(`^/products/(shoes|socks)/[0-9]+$`)", "h", "/products/shoes/42")).toBe(true);
    expect(m("PathRegexp(`^/products/(shoes|socks)/[0-9]+$`)", "h", "/products/hats/42")).toBe(false);
    expect(m("HostRegexp(`(?i)^A\\.TEST$`)", "a.test", "/")).toBe(true);
    expect(m("PathRegexp(`^/(?P<id>[[:digit:]]+)\\z`)", "h", "/123")).toBe(true);
    expect(m("PathRegexp(`^/(?P<id>[[:digit:]]+)\\z`)", "h", "/12a")).toBe(false);
    expect(goRegexp("\\Qa.b\\E$").test("xa.b")).toBe(true);
    expect(goRegexp("\\Qa.b\\E$").test("xaxb")).toBe(false);
    expect(goRegexp("^\\p{Greek}+$").test("αβγ")).toBe(true);
  });

  test("Method, Header, HeaderRegexp, Query, QueryRegexp, ClientIP", () => {
    expect(m("Method(`post`)", "h", "/", req({ method: "POST" }))).toBe(true);
    expect(m("Method(`GET`)", "h", "/", req({ method: "POST" }))).toBe(false);
    expect(m("Header(`Content-Type`, `application/json`)", "h", "/", req({ headers: { "content-type": ["text/plain", "application/json"] } }))).toBe(true);
    expect(m("Header(`Content-Type`, `application/json`)", "h", "/", req({ headers: { "content-type": ["application/json; charset=utf-8"] } }))).toBe(false);
    expect(m("HeaderRegexp(`Content-Type`, `^application/(json|yaml)$`)", "h", "/", req({ headers: { "content-type": ["application/yaml"] } }))).toBe(true);
    expect(m("Query(`mobile`, `true`)", "h", "/", req({ query: "a=1&mobile=true" }))).toBe(true);
    expect(m("Query(`mobile`, `true`)", "h", "/", req({ query: "mobile=false" }))).toBe(false);
    expect(m("Query(`mobile`)", "h", "/", req({ query: "mobile" }))).toBe(true);
    expect(m("Query(`mobile`)", "h", "/", req({ query: "x=1" }))).toBe(false);
    expect(m("QueryRegexp(`mobile`, `^(true|yes)$`)", "h", "/", req({ query: "mobile=yes" }))).toBe(true);
    expect(m("ClientIP(`10.0.0.0/8`)", "h", "/", req({ ip: "10.76.105.11" }))).toBe(true);
    expect(m("ClientIP(`10.0.0.0/8`)", "h", "/", req({ ip: "192.168.1.1" }))).toBe(false);
    expect(m("ClientIP(`::1`)", "h", "/", req({ ip: "::1" }))).toBe(true);
    expect(m("ClientIP(`192.168.1.7`)", "h", "/", req({ ip: "::ffff:192.168.1.7" }))).toBe(true);
    expect(m("ClientIP(`2001:db8::/32`)", "h", "/", req({ ip: "2001:db8:1::5" }))).toBe(true);
    expect(queryValues("a=1&a=2&b=x+y%21", "b")).toEqual(["x y!"]);
  });

  test("errors: syntax, unknown matchers, arity, bad paths and regexps", () => {
    for (const bad of ["", "Host(`a`", "Host(`a`) &&", "Host(`a`) Path(`/`)", "Hostt(`a`)", "Host(`a`, `b`)", "Header(`a`)", "Path(`nope`)",
      "PathRegexp(`(`)", "Host(a)", "Host(`a`) & Path(`/`)", "Host(`ä.test`)", "ClientIP(`10.0.0.0/33`)", "HostRegexp(`(?U)a`)"]) {
      expect(() => compileRule(bad), bad).toThrow(RuleError);
    }
    expect(parseRule("Host(`a`)")).toEqual({ op: "call", name: "Host", args: ["a"] });
  });
});
