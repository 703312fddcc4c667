import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { registryHostsDir, writeContainerdConfig } from "../containerd/config.ts";
import { parseRegistries } from "../containerd/registries.ts";
import { agentPaths } from "../paths.ts";
import { renderMirrorHosts, writeMirrorHosts } from "./mirror-hosts.ts";

const tmp = mkdtempSync("/tmp/lite-mirror-hosts-");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface HostsToml { server: string; ca?: string; skip_verify?: boolean; host: Record<string, { capabilities?: string[]; ca?: string; override_path?: boolean; header?: Record<string, string> }> }
const parse = (text: string) => Bun.TOML.parse(text) as unknown as HostsToml;

test("without a user file: docker.io keeps registry-1.docker.io upstream, lite.local has only the mirror", () => {
  const docker = parse(renderMirrorHosts("docker.io", "http://127.0.0.1:4000", undefined));
  expect(docker.server).toBe("https://registry-1.docker.io");
  expect(docker.host).toEqual({ "http://127.0.0.1:4000": { capabilities: ["pull", "resolve"] } });
  const lite = parse(renderMirrorHosts("lite.local", "http://127.0.0.1:4000", undefined));
  expect(lite.server).toBe("http://127.0.0.1:4000");
  expect(Object.keys(lite.host)).toEqual(["http://127.0.0.1:4000"]);
  expect(parse(renderMirrorHosts("x.test", "http://127.0.0.1:4000", undefined, "http://127.0.0.1:1")).server).toBe("http://127.0.0.1:1");
});

test("merges with registries.yaml: the built-in mirror first, the user's endpoints, TLS and server kept after it", () => {
  const paths = agentPaths(`${tmp}/a`);
  const registries = parseRegistries(`
mirrors:
  docker.io:
    endpoint: ["https://mirror.example:5000", "http://10.0.0.1:5001/v2/proxy"]
  quay.io:
    endpoint: ["https://quay-mirror.example"]
configs:
  docker.io:
    tls: { ca_file: /etc/ssl/hub-ca.pem }
  "mirror.example:5000":
    tls: { insecure_skip_verify: true }
`, "registries.yaml");
  writeContainerdConfig(paths, { sandboxImage: "lite.local/pause:3.10", registries });
  const dir = registryHostsDir(paths);
  const files = writeMirrorHosts(paths, 4000, ["docker.io", "lite.local"]);
  expect(files).toEqual([`${dir}/docker.io/hosts.toml`, `${dir}/lite.local/hosts.toml`]);

  const docker = parse(readFileSync(files[0]!, "utf8"));
  expect(docker.server).toBe("https://registry-1.docker.io");
  expect(docker.ca).toBe("/etc/ssl/hub-ca.pem");
  expect(Object.keys(docker.host)).toEqual(["http://127.0.0.1:4000", "https://mirror.example:5000", "http://10.0.0.1:5001/v2/proxy"]);
  expect(docker.host["https://mirror.example:5000"]).toEqual({ capabilities: ["pull", "resolve"], skip_verify: true } as never);
  expect(docker.host["http://10.0.0.1:5001/v2/proxy"]!.override_path).toBe(true);
  // Registries the mirror is not for are untouched.
  expect(Object.keys(parse(readFileSync(`${dir}/quay.io/hosts.toml`, "utf8")).host)).toEqual(["https://quay-mirror.example"]);

  // Rewriting with a new port replaces the mirror table instead of adding one.
  writeMirrorHosts(paths, 4001, ["docker.io"]);
  const again = readFileSync(files[0]!, "utf8");
  expect(Object.keys(parse(again).host)).toEqual(["http://127.0.0.1:4001", "https://mirror.example:5000", "http://10.0.0.1:5001/v2/proxy"]);
  expect(again.match(/\[host\./g)!.length).toBe(3);
  expect(readdirSync(`${dir}/docker.io`)).toEqual(["hosts.toml"]); // no temp file left

  // The next start's writeContainerdConfig puts the user's file back (and drops lite.local's).
  writeContainerdConfig(paths, { sandboxImage: "lite.local/pause:3.10", registries });
  expect(Object.keys(parse(readFileSync(files[0]!, "utf8")).host)).toEqual(["https://mirror.example:5000", "http://10.0.0.1:5001/v2/proxy"]);
  expect(readdirSync(dir).sort()).toEqual(["docker.io", "mirror.example:5000", "quay.io"]);
});

test("a registries.yaml '*' mirror still applies to docker.io once it has its own directory", () => {
  const paths = agentPaths(`${tmp}/b`);
  writeContainerdConfig(paths, { sandboxImage: "lite.local/pause:3.10", registries: parseRegistries(`mirrors: { "*": { endpoint: ["https://all.example"] } }`, "r.yaml") });
  const [file] = writeMirrorHosts(paths, 4000, ["docker.io"]);
  const docker = parse(readFileSync(file!, "utf8"));
  expect(docker.server).toBe("https://registry-1.docker.io");
  expect(Object.keys(docker.host)).toEqual(["http://127.0.0.1:4000", "https://all.example"]);
});

test("refuses what is not a registry host", () => {
  const paths = agentPaths(`${tmp}/c`);
  expect(() => writeMirrorHosts(paths, 1, ["*"])).toThrow();
  expect(() => writeMirrorHosts(paths, 1, ["a/b"])).toThrow();
});
