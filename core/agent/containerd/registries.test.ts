import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ConfigError } from "../../config/config-error.ts";
import { loadRegistries, parseRegistries, renderHostsFiles, renderRegistryAuth } from "./registries.ts";

const GOOD = `
mirrors:
  docker.io:
    endpoint:
      - "mirror.example:5000"
      - "http://127.0.0.1:5001/v2/proxy"
    rewrite:
      "^library/(.*)": "mirrored/$1"
  "*":
    endpoint: ["https://everything.example"]
configs:
  "mirror.example:5000":
    auth:
      username: alice
      password: "s3cr\\"et"
    tls:
      ca_file: /etc/ssl/mirror-ca.pem
      cert_file: /etc/ssl/client.pem
      key_file: /etc/ssl/client-key.pem
  "registry.local":
    tls:
      insecure_skip_verify: true
  "token.example":
    auth:
      identity_token: tok
`;

describe("parseRegistries", () => {
  test("reads K3s' format", () => {
    const r = parseRegistries(GOOD, "registries.yaml");
    expect(r.mirrors["docker.io"]).toEqual({
      endpoints: ["https://mirror.example:5000", "http://127.0.0.1:5001/v2/proxy"],
      rewrites: { "^library/(.*)": "mirrored/$1" },
    });
    expect(r.configs["mirror.example:5000"]!.auth).toEqual({ username: "alice", password: 's3cr"et', auth: undefined, identityToken: undefined });
    expect(r.configs["mirror.example:5000"]!.tls!.certFile).toBe("/etc/ssl/client.pem");
    expect(r.configs["registry.local"]!.tls!.insecureSkipVerify).toBe(true);
  });

  test("an empty file is an empty configuration", () => {
    expect(parseRegistries("", "f")).toEqual({ mirrors: {}, configs: {} });
    expect(parseRegistries("mirrors:\n", "f")).toEqual({ mirrors: {}, configs: {} });
  });

  const bad: [string, string, RegExp][] = [
    ["unknown key", "mirror:\n  docker.io: {}\n", /f: .*mirror/],
    ["wrong type", "configs:\n  r:\n    tls:\n      insecure_skip_verify: yes-please\n", /configs\.r\.tls\.insecure_skip_verify/],
    ["endpoint not a list", "mirrors:\n  docker.io:\n    endpoint: https://x\n", /mirrors\.docker\.io\.endpoint/],
    ["cert without key", "configs:\n  r:\n    tls:\n      cert_file: /c.pem\n", /cert_file and key_file go together/],
    ["bad endpoint scheme", "mirrors:\n  docker.io:\n    endpoint: [\"ftp://x\"]\n", /must be http or https/],
    ["not YAML", "mirrors: [\n", /not valid YAML/],
  ];
  for (const [name, text, message] of bad) {
    test(`bad file: ${name} is one ConfigError`, () => {
      let err: unknown;
      try {
        parseRegistries(text, "f");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain("\n");
    });
  }

  test("loadRegistries: a missing file is empty, an existing one is parsed", async () => {
    const dir = mkdtempSync(`${tmpdir()}/lite-reg-test-`);
    try {
      expect(await loadRegistries(`${dir}/none.yaml`)).toEqual({ mirrors: {}, configs: {} });
      writeFileSync(`${dir}/r.yaml`, GOOD);
      expect(Object.keys((await loadRegistries(`${dir}/r.yaml`)).mirrors)).toEqual(["docker.io", "*"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("rendering", () => {
  const r = parseRegistries(GOOD, "registries.yaml");
  const files = renderHostsFiles(r);

  test("one hosts.toml per mirrored or TLS-configured registry, '*' as _default", () => {
    expect([...files.keys()]).toEqual(["_default", "docker.io", "mirror.example:5000", "registry.local"]);
  });

  test("docker.io: server is registry-1, mirrors in order with their TLS, path endpoints override the path", () => {
    const docker = Bun.TOML.parse(files.get("docker.io")!) as Record<string, any>;
    expect(docker.server).toBe("https://registry-1.docker.io");
    const hosts = docker.host as Record<string, any>;
    expect(Object.keys(hosts)).toEqual(["https://mirror.example:5000", "http://127.0.0.1:5001/v2/proxy"]);
    expect(hosts["https://mirror.example:5000"]).toEqual({
      capabilities: ["pull", "resolve"],
      ca: "/etc/ssl/mirror-ca.pem",
      client: [["/etc/ssl/client.pem", "/etc/ssl/client-key.pem"]],
      rewrite: { "^library/(.*)": "mirrored/$1" },
    });
    expect(hosts["http://127.0.0.1:5001/v2/proxy"].override_path).toBe(true);
  });

  test("a registry with only TLS settings gets them on its server, as a [host] table too (containerd 1.6 ignores a hosts.toml without one)", () => {
    expect(Bun.TOML.parse(files.get("registry.local")!)).toEqual({
      server: "https://registry.local", skip_verify: true,
      host: { "https://registry.local": { capabilities: ["pull", "resolve", "push"], skip_verify: true } },
    });
    expect((Bun.TOML.parse(files.get("_default")!) as Record<string, any>).server).toBeUndefined();
  });

  test("auth goes to the CRI plugin's registry.configs", () => {
    const toml = Bun.TOML.parse(renderRegistryAuth(r).join("\n")) as any;
    const configs = toml.plugins["io.containerd.grpc.v1.cri"].registry.configs;
    expect(configs["mirror.example:5000"].auth).toEqual({ username: "alice", password: 's3cr"et' });
    expect(configs["token.example"].auth).toEqual({ identitytoken: "tok" });
    expect(configs["registry.local"]).toBeUndefined();
  });
});
