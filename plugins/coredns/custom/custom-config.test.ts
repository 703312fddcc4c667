import { describe, expect, test } from "bun:test";
import { parseCorefile } from "./corefile.ts";
import { parseCustomConfig } from "./custom-config.ts";

describe("coredns-custom ConfigMap", () => {
  test("hosts in .override: entries with ttl and no_reverse; fallthrough accepted", () => {
    const c = parseCustomConfig({
      "extra.override": `
        # operator records
        hosts {
          10.0.0.50 registry.corp.example  Mirror.Corp.Example.
          fd00::50 registry.corp.example
          ttl 120
          fallthrough
        }
        hosts { 10.0.0.60 one.line.example }
      `,
    });
    expect(c.unsupported).toEqual([]);
    expect(c.hosts).toEqual([
      { name: "registry.corp.example", ip: "10.0.0.50", ttl: 120 },
      { name: "mirror.corp.example", ip: "10.0.0.50", ttl: 120 },
      { name: "registry.corp.example", ip: "fd00::50", ttl: 120 },
      { name: "one.line.example", ip: "10.0.0.60", ttl: 3600 },
    ]);
  });

  test("server blocks: forward zones (several zones, dns://, ports) and hosts limited to the block's zones", () => {
    const c = parseCustomConfig({
      "corp.server": `
        corp.example:53 lab.example {
          errors
          cache 30
          forward . 10.0.0.2 127.0.0.1:5353 dns://[fd00::2]:53
          hosts {
            10.0.0.9 gw.corp.example
            10.0.0.8 elsewhere.test
          }
        }
        other.example {
          forward other.example 10.9.9.9
        }
      `,
    });
    expect(c.forwardZones.map((z) => [z.zone, z.upstreams.map((u) => u.label)])).toEqual([
      ["corp.example", ["10.0.0.2:53", "127.0.0.1:5353", "[fd00::2]:53"]],
      ["lab.example", ["10.0.0.2:53", "127.0.0.1:5353", "[fd00::2]:53"]],
      ["other.example", ["10.9.9.9:53"]],
    ]);
    expect(c.hosts).toEqual([{ name: "gw.corp.example", ip: "10.0.0.9", ttl: 3600 }]);
    expect(c.unsupported).toEqual([
      'corp.server line 3: directive "errors" is not supported (supported: forward, hosts)',
      'corp.server line 4: directive "cache" is not supported (supported: forward, hosts)',
      "corp.server line 8: elsewhere.test is outside the block's zones (corp.example, lab.example)",
    ]);
  });

  test("unsupported things are reported, never thrown: other ports, the root block, tls, files, plugins in .override, bad syntax, other keys", () => {
    const c = parseCustomConfig({
      "a.server": "x.example:5353 {\n forward . 1.1.1.1\n}\n.:53 {\n forward . 1.1.1.1\n}\ny.example {\n forward . tls://1.1.1.1\n}\nloose line\n",
      "b.override": "log\nhosts /etc/hosts {\n fallthrough\n}\nrewrite name a b\n",
      "c.server": "z.example {\n forward . 1.1.1.1\n",
      NodeHosts: "10.0.0.1 n1",
    });
    expect(c.forwardZones.map((z) => z.zone)).toEqual(["z.example"]);
    expect(c.unsupported).toEqual([
      "NodeHosts: only keys ending in .override or .server are read",
      'a.server line 1: server block "x.example:5353": port 5353: lite serves DNS on one port; use 53 (or none)',
      'a.server line 4: server block ".:53": the root zone "." is the main server block; use a .override key to add to it',
      'a.server line 8: upstream "tls://1.1.1.1": only plain DNS (dns://) upstreams are supported',
      "a.server line 8: forward without a usable upstream",
      'a.server line 10: "loose" is not a server block (expected "ZONE:53 { ... }")',
      'b.override line 1: directive "log" is not supported in .override (supported: hosts)',
      "b.override line 2: hosts file /etc/hosts is not read (inline entries only)",
      'b.override line 5: directive "rewrite" is not supported in .override (supported: hosts)',
      'c.server: a "{" block is not closed before the end',
    ]);
  });

  test("the Corefile reader: quotes, comments, nested and one-line blocks", () => {
    const p = parseCorefile('a "b c" # comment\nd {\n  e f {\n    g\n  }\n}\nh { i j }\n}');
    expect(p.directives).toEqual([
      { name: "a", args: ["b c"], line: 1 },
      { name: "d", args: [], line: 2, block: [{ name: "e", args: ["f"], line: 3, block: [{ name: "g", args: [], line: 4 }] }] },
      { name: "h", args: [], line: 7, block: [{ name: "i", args: ["j"], line: 7 }] },
    ]);
    expect(p.errors).toEqual(['line 8: unexpected "}"']);
  });
});
