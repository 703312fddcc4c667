/**
 * Test fixture: a REAL containerd under a temp data dir, with the built-in images (busybox and
 * the sandbox image) imported, a bridge CNI network of its own (`lite<name><random>`, a
 * PREFIX.X.0/24 no route on this machine uses yet) and a CRI client that is ready (runtime and
 * network conditions true). Needs root, containerd, runc, the CNI plugins and busybox-static.
 *
 * `stop()` removes what it made: every sandbox through CRI, containerd (by its PID), then
 * `killall` of the data dir (shims that outlived containerd and their containers, pod veths,
 * mounts), the bridge, the cgroups under `cgroupParent`, the dir. Idempotent enough to call
 * after a failed start (startContainerdFixture calls it itself then).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Logger } from "@lite/sdk";
import { startContainerd, type ContainerdHandle } from "../containerd/supervisor.ts";
import { createCriClient } from "../cri/client.ts";
import type { CriClient } from "../cri/types.ts";
import { SANDBOX_IMAGE } from "../images/builtin-images.ts";
import { importImages } from "../images/import.ts";
import { killall } from "../killall/killall.ts";
import { agentPaths, type AgentPaths } from "../paths.ts";

export interface ContainerdFixtureOptions {
  /** Short tag (e.g. "crit"): temp dir `lite-<name>-*`, CNI network `lite<name>`, cgroup parent `/lite-<name>-<rand>`. */
  readonly name: string;
  /** First two octets of the pod subnet (default "10.251"). */
  readonly subnetPrefix?: string;
}

export interface ContainerdFixture {
  /** Random hex tag of this run (6 chars), also in the bridge and cgroup parent names. */
  readonly rand: string;
  readonly dir: string;
  readonly paths: AgentPaths;
  readonly containerd: ContainerdHandle;
  readonly socket: string;
  readonly cri: CriClient;
  readonly bridge: string;
  /** The pod subnet's first three octets, e.g. "10.251.17" (gateway .1). */
  readonly subnet: string;
  /** A cgroup parent (cgroupfs driver) for the test's sandboxes; stop() removes it. */
  readonly cgroupParent: string;
  stop(): Promise<void>;
}

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

export async function startContainerdFixture(opts: ContainerdFixtureOptions): Promise<ContainerdFixture> {
  const rand = Math.random().toString(16).slice(2, 8);
  const bridge = `lite${opts.name.slice(0, 5)}${rand}`;
  const prefix = opts.subnetPrefix ?? "10.251";
  const subnet = `${prefix}.${freeSubnetOctet(prefix)}`;
  const cgroupParent = `/lite-${opts.name}-${rand}`;
  const dir = mkdtempSync(`${tmpdir()}/lite-${opts.name}-`);
  const paths = agentPaths(dir);
  let containerd: ContainerdHandle | undefined;
  let cri: CriClient | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      try {
        if (cri) {
          for (const sb of await cri.listPodSandbox().catch(() => [])) {
            await cri.stopPodSandbox(sb.id).catch(() => {});
            await cri.removePodSandbox(sb.id).catch(() => {});
          }
          cri.close();
        }
      } finally {
        try {
          await containerd?.stop();
          await killall({ dataDir: dir });
        } finally {
          Bun.spawnSync(["ip", "link", "del", bridge], { stderr: "ignore" });
          removeCgroups(cgroupParent);
          rmSync(dir, { recursive: true, force: true });
        }
      }
    })());
  try {
    mkdirSync(paths.cniConfDir, { recursive: true });
    writeFileSync(
      `${paths.cniConfDir}/10-lite${opts.name}.conflist`,
      JSON.stringify({
        cniVersion: "0.4.0",
        name: `lite${opts.name}`,
        plugins: [{ type: "bridge", bridge, isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet: `${subnet}.0/24` }]], dataDir: `${dir}/cni-ipam` } }],
      }),
    );
    containerd = await startContainerd({ paths, log: quiet, sandboxImage: SANDBOX_IMAGE });
    const imported = await importImages({ socket: containerd.socket, paths, log: quiet });
    if (imported.builtin.status === "failed") throw new Error(`importing the built-in images: ${imported.builtin.error}`);
    cri = createCriClient(`unix://${containerd.socket}`);
    for (let i = 0; i < 50 && !(await cri.status()).conditions.every((c) => c.status); i++) await Bun.sleep(100);
    return { rand, dir, paths, containerd, socket: containerd.socket, cri, bridge, subnet, cgroupParent, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A third octet X such that no route on this machine uses `prefix`.X.0/24 yet. */
function freeSubnetOctet(prefix: string): number {
  const routes = Bun.spawnSync(["ip", "-4", "route", "show"]).stdout.toString();
  for (;;) {
    const x = 1 + Math.floor(Math.random() * 254);
    if (!routes.includes(`${prefix}.${x}.`)) return x;
  }
}

/** Removes the (by now empty) cgroup directories named `parent` in every hierarchy, deepest first. */
function removeCgroups(parent: string) {
  for (const h of readdirSync("/sys/fs/cgroup")) {
    const root = `/sys/fs/cgroup/${h}${parent}`;
    if (!existsSync(root)) continue;
    const dirs = Bun.spawnSync(["find", root, "-depth", "-type", "d"]).stdout.toString().split("\n").filter(Boolean);
    for (const d of dirs) Bun.spawnSync(["rmdir", d], { stderr: "ignore" });
  }
}
