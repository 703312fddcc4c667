import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AgentPaths } from "../paths.ts";
import { renderHostsFiles, renderRegistryAuth, type RegistriesConfig } from "./registries.ts";
import type { Snapshotter } from "./snapshotter.ts";
import { tomlString, tomlStringArray } from "./toml.ts";

export const DEFAULT_CNI_BIN_DIR = "/usr/lib/cni";

export interface ContainerdConfigOptions {
  readonly sandboxImage: string;
  /** Directory of the CNI plugin binaries (default /usr/lib/cni, Debian's). */
  readonly cniBinDir?: string;
  readonly registries?: RegistriesConfig;
  /** Default overlayfs; see chooseSnapshotter. */
  readonly snapshotter?: Snapshotter;
}

/** Per-registry hosts.toml directories (the CRI plugin's `config_path`): `DATA_DIR/agent/etc/containerd/certs.d`. */
export function registryHostsDir(paths: AgentPaths): string {
  return `${dirname(paths.containerdConfig)}/certs.d`;
}

/** The ttrpc socket, beside the gRPC one. */
export function containerdTtrpcSocket(paths: AgentPaths): string {
  return `${paths.containerdSocket}.ttrpc`;
}

/** Where the supervisor records the pid of the containerd it started (beside its socket). */
export function containerdPidFile(paths: AgentPaths): string {
  return `${dirname(paths.containerdSocket)}/containerd.pid`;
}

/** Where the CRI plugin mounts pod network namespaces (netns_mounts_under_state_dir). */
export function podNetnsDir(paths: AgentPaths): string {
  return `${paths.containerdState}/io.containerd.grpc.v1.cri/netns`;
}

/** runc's state directory for lite's containers (default would be the shared /run/containerd/runc). */
export function runcRoot(paths: AgentPaths): string {
  return `${paths.containerdState}/runc`;
}

/**
 * Plugins that cannot work or are not used here; disabling them keeps start fast and the log
 * quiet (they otherwise probe filesystems and print errors at every start).
 */
const DISABLED_PLUGINS = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
];

/**
 * containerd 1.6 configuration (version 2) for one lite data dir. Every path containerd writes
 * lives under `paths` so several lite instances can share a machine:
 * - root/state/sockets from `paths`; pod network namespaces under the state dir
 *   (netns_mounts_under_state_dir) rather than /run/netns, so `lite killall` can tell its own
 *   from other instances' and the host's.
 * - `restrict_oom_score_adj = true` is required on these machines (negative oom_score_adj
 *   writes fail, which breaks every sandbox otherwise).
 * - runc v2 with cgroupfs (SystemdCgroup = false): lite does not run under systemd's cgroup
 *   management; runc's state under the state dir too (not the shared /run/containerd/runc).
 *   Only the shims' sockets stay in /run/containerd/s (fixed in containerd 1.6).
 * - the streaming server (exec/attach/port-forward) on 127.0.0.1 with a kernel-chosen port.
 * - unprivileged ports and ICMP enabled in pods, as K3s does on kernels >= 4.11.
 */
export function renderContainerdConfig(paths: AgentPaths, opts: ContainerdConfigOptions): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  const lines = [
    "# Written by lite at every start; edits are lost.",
    "version = 2",
    `root = ${tomlString(paths.containerdRoot)}`,
    `state = ${tomlString(paths.containerdState)}`,
    `disabled_plugins = ${tomlStringArray(DISABLED_PLUGINS)}`,
    "",
    "[grpc]",
    `  address = ${tomlString(paths.containerdSocket)}`,
    "",
    "[ttrpc]",
    `  address = ${tomlString(containerdTtrpcSocket(paths))}`,
    "",
    `[plugins."io.containerd.internal.v1.opt"]`,
    `  path = ${tomlString(`${paths.containerdRoot}/opt`)}`,
    "",
    `[${cri}]`,
    `  sandbox_image = ${tomlString(opts.sandboxImage)}`,
    "  restrict_oom_score_adj = true",
    "  enable_unprivileged_ports = true",
    "  enable_unprivileged_icmp = true",
    "  netns_mounts_under_state_dir = true",
    `  stream_server_address = "127.0.0.1"`,
    `  stream_server_port = "0"`,
    "  max_container_log_line_size = 16384",
    "  enable_selinux = false",
    "",
    `[${cri}.containerd]`,
    `  snapshotter = ${tomlString(opts.snapshotter ?? "overlayfs")}`,
    `  default_runtime_name = "runc"`,
    "  disable_snapshot_annotations = true",
    "",
    `[${cri}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    "",
    `[${cri}.containerd.runtimes.runc.options]`,
    "  SystemdCgroup = false",
    `  Root = ${tomlString(runcRoot(paths))}`,
    "",
    `[${cri}.cni]`,
    `  bin_dir = ${tomlString(opts.cniBinDir ?? DEFAULT_CNI_BIN_DIR)}`,
    `  conf_dir = ${tomlString(paths.cniConfDir)}`,
    "",
    `[${cri}.registry]`,
    `  config_path = ${tomlString(registryHostsDir(paths))}`,
    ...renderRegistryAuth(opts.registries ?? { mirrors: {}, configs: {} }),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * Writes containerd's config file and the registry hosts directory (replacing what an earlier
 * start wrote there), creating the directories containerd and the CNI plugin expect.
 * Returns the config file's path.
 */
export function writeContainerdConfig(paths: AgentPaths, opts: ContainerdConfigOptions): string {
  for (const dir of [dirname(paths.containerdConfig), paths.containerdRoot, paths.containerdState, paths.cniConfDir]) mkdirSync(dir, { recursive: true });
  const hostsDir = registryHostsDir(paths);
  mkdirSync(hostsDir, { recursive: true });
  const files = renderHostsFiles(opts.registries ?? { mirrors: {}, configs: {} });
  for (const entry of readdirSync(hostsDir)) if (!files.has(entry)) rmSync(`${hostsDir}/${entry}`, { recursive: true, force: true });
  for (const [dir, text] of files) {
    mkdirSync(`${hostsDir}/${dir}`, { recursive: true });
    writeFileSync(`${hostsDir}/${dir}/hosts.toml`, text, { mode: 0o600 });
  }
  writeFileSync(paths.containerdConfig, renderContainerdConfig(paths, opts), { mode: 0o600 });
  return paths.containerdConfig;
}
