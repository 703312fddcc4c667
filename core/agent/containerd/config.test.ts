import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { agentPaths } from "../paths.ts";
import { registryHostsDir, renderContainerdConfig, writeContainerdConfig } from "./config.ts";
import { parseRegistries } from "./registries.ts";
import { chooseSnapshotter } from "./snapshotter.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-ctd-config-test-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const paths = agentPaths(dir);

test("renders a containerd 1.6 v2 config with everything under the data dir and the settings these machines need", () => {
  const registries = parseRegistries("configs:\n  r.example:\n    auth: {username: u, password: p}\n", "t");
  const cfg = Bun.TOML.parse(renderContainerdConfig(paths, { sandboxImage: "lite.local/pause:3.10", registries })) as any;
  expect(cfg.version).toBe(2);
  expect(cfg.root).toBe(paths.containerdRoot);
  expect(cfg.state).toBe(paths.containerdState);
  expect(cfg.grpc.address).toBe(paths.containerdSocket);
  expect(cfg.ttrpc.address).toBe(`${paths.containerdSocket}.ttrpc`);
  expect(cfg.disabled_plugins).toContain("io.containerd.snapshotter.v1.btrfs");
  const cri = cfg.plugins["io.containerd.grpc.v1.cri"];
  expect(cri).toMatchObject({
    sandbox_image: "lite.local/pause:3.10",
    restrict_oom_score_adj: true,
    enable_unprivileged_ports: true,
    enable_unprivileged_icmp: true,
    netns_mounts_under_state_dir: true,
    stream_server_address: "127.0.0.1",
    stream_server_port: "0",
    max_container_log_line_size: 16384,
  });
  expect(cri.containerd.snapshotter).toBe("overlayfs");
  expect(cri.containerd.runtimes.runc.runtime_type).toBe("io.containerd.runc.v2");
  expect(cri.containerd.runtimes.runc.options.SystemdCgroup).toBe(false);
  expect(cri.containerd.runtimes.runc.options.Root).toBe(`${paths.containerdState}/runc`);
  expect(cri.cni).toEqual({ bin_dir: "/usr/lib/cni", conf_dir: paths.cniConfDir });
  expect(cri.registry.config_path).toBe(`${dir}/agent/etc/containerd/certs.d`);
  expect(cri.registry.configs["r.example"].auth).toEqual({ username: "u", password: "p" });
});

test("writeContainerdConfig writes the file and replaces stale hosts directories", () => {
  mkdirSync(`${registryHostsDir(paths)}/stale.example`, { recursive: true });
  const registries = parseRegistries("mirrors:\n  docker.io:\n    endpoint: [\"http://127.0.0.1:5000\"]\n", "t");
  const file = writeContainerdConfig(paths, { sandboxImage: "x/pause:1", cniBinDir: "/opt/cni/bin", registries, snapshotter: "native" });
  expect(file).toBe(paths.containerdConfig);
  const text = readFileSync(file, "utf8");
  expect(text).toContain(`snapshotter = "native"`);
  expect(text).toContain(`bin_dir = "/opt/cni/bin"`);
  expect(existsSync(`${registryHostsDir(paths)}/stale.example`)).toBe(false);
  expect(readFileSync(`${registryHostsDir(paths)}/docker.io/hosts.toml`, "utf8")).toContain(`[host."http://127.0.0.1:5000"]`);
  for (const d of [paths.containerdRoot, paths.containerdState, paths.cniConfDir]) expect(existsSync(d)).toBe(true);
});

test.skipIf(!Bun.which("containerd"))("containerd itself accepts the rendered config", () => {
  writeFileSync(paths.containerdConfig, renderContainerdConfig(paths, { sandboxImage: "lite.local/pause:3.10" }));
  const r = spawnSync("containerd", ["--config", paths.containerdConfig, "config", "dump"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("restrict_oom_score_adj = true");
  expect(r.stdout).toContain(`sandbox_image = "lite.local/pause:3.10"`);
});

test.skipIf(process.getuid?.() !== 0)("overlayfs is usable under an ext4 data dir and the probe leaves nothing behind", () => {
  const root = `${dir}/probe-root`;
  expect(chooseSnapshotter(root)).toEqual({ snapshotter: "overlayfs" });
  expect(spawnSync("ls", ["-A", root], { encoding: "utf8" }).stdout).toBe("");
});
