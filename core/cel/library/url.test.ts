import { describe, expect, test } from "bun:test";
import { evaluateCel } from "../evaluate.ts";
import { parseCel } from "../parse.ts";
import { CelURL } from "./url.ts";

const run = (src: string) => evaluateCel(parseCel(src), {});

describe("URL library (apiserver/pkg/cel/library/urls.go, Go net/url)", () => {
  test("url() takes absolute URIs and absolute paths; type kubernetes.URL (doc examples)", () => {
    const u = run("url('https://user:pass@example.com:80/path?query=val#fragment')");
    expect(u).toBeInstanceOf(CelURL);
    expect((u as CelURL).celType).toBe("kubernetes.URL");
    expect(run("isURL('https://user:pass@example.com:80/path?query=val#fragment')")).toBe(true);
    expect(run("isURL('/absolute-path')")).toBe(true);
    expect(run("isURL('https://a:b:c/')")).toBe(false);
    expect(run("isURL('../relative-path')")).toBe(false);
  });

  test("url() errors carry Go's url.Error text", () => {
    expect(() => run("url('../relative-path')")).toThrow('URL parse error during conversion from string: parse "../relative-path": invalid URI for request');
    expect(() => run("url('https://a:b:c/')")).toThrow('parse "https://a:b:c/": invalid port ":c" after host');
    expect(() => run("url('')")).toThrow("empty url");
    expect(() => run("url(':foo')")).toThrow("missing protocol scheme");
    expect(() => run("url('http://[::1/')")).toThrow("missing ']' in host");
    expect(() => run("url('/a%zzb')")).toThrow('invalid URL escape "%zz"');
    expect(() => run("url('http://exa mple.com/')")).toThrow('invalid character " " in host name');
    expect(() => run("url('http://a\\tb/')")).toThrow("invalid control character in URL");
    expect(() => run("url(1)")).toThrow("no such overload");
  });

  test("ParseRequestURI accepts a bad fragment escape that Parse then refuses (url() fails, isURL is true)", () => {
    expect(run("isURL('https://example.com/?q#%zz')")).toBe(true);
    expect(() => run("url('https://example.com/?q#%zz')")).toThrow('invalid URL escape "%zz"');
  });

  test("scheme-only URIs are opaque, and count as URLs", () => {
    expect(run("isURL('mailto:someone@example.com')")).toBe(true);
    expect(run("url('mailto:someone@example.com').getHost()")).toBe("");
    expect(run("url('mailto:someone@example.com').getEscapedPath()")).toBe("");
  });

  test("getScheme / getHost / getHostname / getPort (doc examples)", () => {
    expect(run("url('/path').getScheme()")).toBe("");
    expect(run("url('https://example.com/').getScheme()")).toBe("https");
    expect(run("url('HTTPS://example.com/').getScheme()")).toBe("https");
    expect(run("url('https://example.com:80/').getHost()")).toBe("example.com:80");
    expect(run("url('https://example.com/').getHost()")).toBe("example.com");
    expect(run("url('https://[::1]:80/').getHost()")).toBe("[::1]:80");
    expect(run("url('https://[::1]/').getHost()")).toBe("[::1]");
    expect(run("url('/path').getHost()")).toBe("");
    expect(run("url('https://example.com:80/').getHostname()")).toBe("example.com");
    expect(run("url('https://127.0.0.1:80/').getHostname()")).toBe("127.0.0.1");
    expect(run("url('https://[::1]:80/').getHostname()")).toBe("::1");
    expect(run("url('/path').getHostname()")).toBe("");
    expect(run("url('https://example.com:80/').getPort()")).toBe("80");
    expect(run("url('https://example.com/').getPort()")).toBe("");
    expect(run("url('https://example.com:/').getPort()")).toBe("");
    expect(run("url('/path').getPort()")).toBe("");
    expect(run("url('https://[fe80::1%25en0]:8080/').getHostname()")).toBe("fe80::1%en0");
  });

  test("getEscapedPath keeps the original escaping when valid (doc examples)", () => {
    expect(run("url('https://example.com/path').getEscapedPath()")).toBe("/path");
    expect(run("url('https://example.com/path with spaces/').getEscapedPath()")).toBe("/path%20with%20spaces/");
    expect(run("url('https://example.com').getEscapedPath()")).toBe("");
    expect(run("url('https://example.com/a%2Fb').getEscapedPath()")).toBe("/a%2Fb");
    expect(run("url('https://example.com/caf%C3%A9').getEscapedPath()")).toBe("/caf%C3%A9");
    expect(run("url('https://example.com/café').getEscapedPath()")).toBe("/caf%C3%A9");
  });

  test("getQuery gives a map of value lists, unescaped (doc examples)", () => {
    expect(run("url('https://example.com/path?k1=a&k2=b&k2=c').getQuery()")).toEqual({ k1: ["a"], k2: ["b", "c"] });
    expect(run("url('https://example.com/path?key with spaces=value with spaces').getQuery()")).toEqual({ "key with spaces": ["value with spaces"] });
    expect(run("url('https://example.com/path?').getQuery()")).toEqual({});
    expect(run("url('https://example.com/path').getQuery()")).toEqual({});
    expect(run("url('/p?a=1+2&b=%41&flag').getQuery()")).toEqual({ a: ["1 2"], b: ["A"], flag: [""] });
    // Pairs with ';' or bad escapes are dropped, as URL.Query() ignores ParseQuery's error.
    expect(run("url('/p?a=1;b=2&c=%zz&d=ok').getQuery()")).toEqual({ d: ["ok"] });
    expect(run("url('https://example.com/path?k2=b&k2=c').getQuery()['k2'][1]")).toBe("c");
  });

  test("== compares Go's URL.String()", () => {
    expect(run("url('https://example.com/a') == url('https://example.com/a')")).toBe(true);
    expect(run("url('HTTPS://example.com/a') == url('https://example.com/a')")).toBe(true);
    expect(run("url('https://example.com/a b') == url('https://example.com/a%20b')")).toBe(true);
    expect(run("url('https://example.com/a') == url('https://example.com/b')")).toBe(false);
    expect(run("url('https://example.com/a#x') == url('https://example.com/a')")).toBe(false);
    expect(run("url('/a') == '/a'")).toBe(false);
  });

  test("methods take only URLs", () => {
    expect(() => run("'https://example.com'.getHost()")).toThrow("no such overload");
    expect(() => run("isURL(1)")).toThrow("no such overload");
  });
});
