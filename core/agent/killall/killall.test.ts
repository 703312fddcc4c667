/**
 * killall against real pods: containerd runs inside a network namespace this test creates (so the
 * pod bridge and veths never touch the host's network), a pod sandbox and a container are
 * started through CRI, lite's nftables table is added, then killall must stop everything and
 * leave no process, mount, pod netns, veth, bridge or lite table behind.
 */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import type { Logger } from "@lite/sdk";
import { agentPaths } from "../paths.ts";
import { podNetnsDir } from "../containerd/config.ts";
import { startContainerd } from "../containerd/supervisor.ts";
import { listProcesses, waitForExit } from "../containerd/process-table.ts";
import { BUSYBOX_IMAGE, SANDBOX_IMAGE } from "../images/builtin-images.ts";
import { importImages } from "../images/import.ts";
import { createCriClient } from "../cri/client.ts";
import { killall } from "./killall.ts";
import { readMounts } from "./mounts.ts";

const canRun = process.getuid?.() === 0 && !!Bun.which("containerd") && existsSync("/usr/lib/cni/bridge") && existsSync("/bin/busybox");
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const netns = `lite-ka-${process.pid}`;
const dataDir = mkdtempSync("/tmp/lite-ka-");
const paths = agentPaths(dataDir);

afterAll(async () => {
  if (canRun) await killall({ dataDir });
  spawnSync("ip", ["netns", "delete", netns]);
  rmSync(dataDir, { recursive: true, force: true });
});

function inNetns(...argv: string[]): string {
  return spawnSync("ip", ["netns", "exec", netns, ...argv], { encoding: "utf8" }).stdout;
}

test.skipIf(!canRun)("killall stops pods started through CRI and removes their network and mounts", async () => {
  expect(spawnSync("ip", ["netns", "add", netns]).status).toBe(0);
  // containerd (and so CNI) runs in the test namespace: a wrapper that execs it there (nsenter
  // switches only the network namespace; ip netns exec would also hide the cgroup mounts).
  const wrapper = `${dataDir}/containerd-in-netns`;
  writeFileSync(wrapper, `#!/bin/sh\nexec nsenter --net=/run/netns/${netns} containerd "$@"\n`);
  chmodSync(wrapper, 0o755);
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(`${paths.cniConfDir}/10-lite.conflist`, JSON.stringify({
    cniVersion: "0.4.0", name: "lite-ka",
    plugins: [{ type: "bridge", bridge: "cni0", isGateway: true, ipMasq: false, ipam: { type: "host-local", ranges: [[{ subnet: "10.251.7.0/24" }]] } }],
  }));
  expect(spawnSync("ip", ["netns", "exec", netns, "nft", "add", "table", "inet", "lite-test"]).status).toBe(0);

  const containerd = await startContainerd({ paths, log: quiet, sandboxImage: SANDBOX_IMAGE, binary: wrapper });
  await importImages({ socket: containerd.socket, paths, log: quiet });
  const cri = createCriClient(containerd.socket);
  try {
    const sandbox = { metadata: { name: "ka", uid: `ka-${process.pid}`, namespace: "default", attempt: 0 }, linux: {} };
    const podId = await cri.runPodSandbox(sandbox);
    const cid = await cri.createContainer(podId, { metadata: { name: "c", attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ["sleep", "3600"] }, sandbox);
    await cri.startContainer(cid);
    expect((await cri.podSandboxStatus(podId)).network?.ip).toMatch(/^10\.251\.7\./);
    // The config's stream_server_port "0" gives a real, kernel-chosen port on loopback.
    const url = new URL(await cri.exec({ containerId: cid, cmd: ["true"], tty: false, stdin: false, stdout: true, stderr: true }));
    expect(url.hostname).toBe("127.0.0.1");
    expect(Number(url.port)).toBeGreaterThan(0);
  } finally {
    cri.close();
  }
  expect(readdirSync(podNetnsDir(paths))).toHaveLength(1);
  expect(inNetns("ip", "-o", "link", "show", "type", "veth")).toContain("master cni0");

  // As after a crash of lite: containerd, shims and containers all still running.
  const report = await killall({ dataDir });
  expect(report.warnings).toEqual([expect.stringMatching(new RegExp(`^containerd's parent \\(pid ${process.pid}: .*\\) is still running and may restart it; stop lite first$`))]);
  await containerd.stop(); // the test's supervisor must not restart it
  expect(report.actions).toContainEqual(expect.stringMatching(/^stopped containerd/));
  expect(report.actions).toContainEqual(expect.stringMatching(/^killed shim .* and \d+ container process/));
  expect(report.actions).toContainEqual(expect.stringMatching(/^deleted veth eth0 in pod netns/));
  expect(report.actions).toContain("deleted network device cni0");
  expect(report.actions).toContain("deleted nftables table inet lite-test");

  const leftovers = listProcesses().filter((p) => p.argv.join(" ").includes(dataDir));
  for (const p of leftovers) await waitForExit(p.pid, 3_000);
  expect(listProcesses().filter((p) => p.argv.join(" ").includes(dataDir))).toEqual([]);
  expect(readMounts().filter((m) => m.mountPoint.startsWith(dataDir))).toEqual([]);
  expect(readdirSync(podNetnsDir(paths))).toEqual([]);
  expect(inNetns("ip", "-o", "link", "show")).not.toContain("cni0");
  expect(inNetns("ip", "-o", "link", "show", "type", "veth")).toBe("");
  expect(inNetns("nft", "list", "tables")).not.toContain("lite-test");

  expect(await killall({ dataDir })).toEqual({ actions: [], warnings: [] });
}, 120_000);
