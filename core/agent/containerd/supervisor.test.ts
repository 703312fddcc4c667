import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import type { Logger } from "@lite/sdk";
import { agentPaths } from "../paths.ts";
import { killall } from "../killall/killall.ts";
import { readMounts } from "../killall/mounts.ts";
import { BUSYBOX_IMAGE, SANDBOX_IMAGE } from "../images/builtin-images.ts";
import { importImages } from "../images/import.ts";
import { sha256Digest } from "../images/oci-layout.ts";
import { writeTar } from "../images/tar-writer.ts";
import { runImagesCommand } from "../../cli/images-command.ts";
import { runCtrCommand } from "../../cli/ctr-command.ts";
import { runKillallCommand } from "../../cli/killall-command.ts";
import { listProcesses, processAlive, waitForExit } from "./process-table.ts";
import { startContainerd, type ContainerdHandle } from "./supervisor.ts";

/**
 * The whole path on the real containerd of this machine: start, import, run, stop with the
 * container surviving, restart and adopt it, crash and restart, replace a leftover containerd,
 * then killall leaves nothing of the data dir behind.
 */
const canRun = process.getuid?.() === 0 && !!Bun.which("containerd") && !!Bun.which("ctr") && !!Bun.which("runc");
const dataDir = mkdtempSync("/tmp/lite-ctd-");
const paths = agentPaths(dataDir);
const records: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
const log: Logger = {
  debug: (message, fields) => records.push({ level: "debug", message, fields }),
  info: (message, fields) => records.push({ level: "info", message, fields }),
  warn: (message, fields) => records.push({ level: "warn", message, fields }),
  error: (message, fields) => records.push({ level: "error", message, fields }),
  child: () => log,
};
const handles: ContainerdHandle[] = [];

afterAll(async () => {
  for (const h of handles) await h.stop();
  if (canRun) await killall({ dataDir });
  rmSync(dataDir, { recursive: true, force: true });
});

function ctr(...args: string[]): { code: number; out: string } {
  const r = spawnSync("ctr", ["--address", paths.containerdSocket, "--namespace", "k8s.io", ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function taskPid(id: string): number | undefined {
  const line = ctr("tasks", "ls").out.split("\n").find((l) => l.startsWith(`${id} `));
  return line && / RUNNING\s*$/.test(line) ? Number(line.split(/\s+/)[1]) : undefined;
}

/** A docker-archive (docker save format) with one tiny layer. */
function writeDockerArchive(file: string, tag: string): void {
  const enc = new TextEncoder();
  const layer = writeTar([{ type: "file", name: "hello.txt", data: enc.encode("hi\n") }]);
  const config = enc.encode(JSON.stringify({ architecture: "amd64", os: "linux", config: { Cmd: ["/bin/sh"] }, rootfs: { type: "layers", diff_ids: [sha256Digest(layer)] } }));
  const configName = `${sha256Digest(config).slice(7)}.json`;
  const manifest = enc.encode(JSON.stringify([{ Config: configName, RepoTags: [tag], Layers: ["l1/layer.tar"] }]));
  writeFileSync(file, writeTar([
    { type: "file", name: configName, data: config },
    { type: "dir", name: "l1" },
    { type: "file", name: "l1/layer.tar", data: layer },
    { type: "file", name: "manifest.json", data: manifest },
  ]));
}

test.skipIf(!canRun)("containerd lifecycle, images, surviving containers and killall", async () => {
  // Air-gap directory: one docker archive, one broken file.
  mkdirSync(paths.imagesDir, { recursive: true });
  writeDockerArchive(`${paths.imagesDir}/app.tar`, "docker.io/library/airgap:1");
  writeFileSync(`${paths.imagesDir}/broken.tar`, "not a tarball");

  const h1 = await startContainerd({ paths, log, sandboxImage: SANDBOX_IMAGE });
  handles.push(h1);
  expect(h1.version()).toMatch(/^\d+\.\d+\.\d+/);
  const ready = records.find((r) => r.message === "containerd ready")!;
  console.log(`containerd spawn -> socket ready: ${ready.fields!.readyMs} ms`);

  let t0 = performance.now();
  const cold = await importImages({ socket: h1.socket, paths, log });
  const coldMs = performance.now() - t0;
  t0 = performance.now();
  const warm = await importImages({ socket: h1.socket, paths, log });
  const warmMs = performance.now() - t0;
  console.log(`importImages (built-ins + 2 air-gap files): cold ${Math.round(coldMs)} ms (built-ins ${cold.builtin.ms} ms), warm ${Math.round(warmMs)} ms`);
  expect(cold.builtin.status).toBe("imported");
  expect(cold.builtin.images).toEqual([BUSYBOX_IMAGE, SANDBOX_IMAGE]);
  expect(warm.builtin.status).toBe("unchanged");
  expect(cold.files.map((f) => [f.file.split("/").pop(), f.status])).toEqual([["app.tar", "imported"], ["broken.tar", "failed"]]);
  expect(cold.files[0]!.images).toEqual(["docker.io/library/airgap:1"]);
  expect(warm.files.map((f) => f.status)).toEqual(["unchanged", "failed"]);
  expect(records.some((r) => r.level === "error" && r.message.includes("broken.tar"))).toBe(true);

  const names = ctr("images", "ls", "-q").out;
  for (const n of [BUSYBOX_IMAGE, SANDBOX_IMAGE, "docker.io/library/airgap:1"]) expect(names).toContain(n);
  const lines: string[] = [];
  expect(await runImagesCommand(["ls", "--data-dir", dataDir], { log: (l) => lines.push(l), error: (l) => lines.push(l) })).toBe(0);
  expect(lines.join("\n")).toMatch(/^IMAGE\s+ID\s+SIZE\n/);
  expect(lines.join("\n")).toMatch(/docker\.io\/library\/busybox:latest\s+[0-9a-f]{13}\s+\d/);
  expect(await runCtrCommand(["--data-dir", dataDir, "namespaces", "ls", "-q"], { log: () => {}, error: () => {} })).toBe(0);

  // ctr keeps a detached task's IO fifos in --fifo-dir (default /run/containerd/fifo, never cleaned).
  const fifoDir = `${dataDir}/ctr-fifo`;
  const run = ctr("run", "--rm", "--fifo-dir", fifoDir, BUSYBOX_IMAGE, "hello", "sh", "-c", "echo hello from busybox; id -u nobody");
  expect(run.code).toBe(0);
  expect(run.out).toContain("hello from busybox\n65534");

  // The pause image's entrypoint runs as a long-lived container.
  expect(ctr("run", "-d", "--fifo-dir", fifoDir, SANDBOX_IMAGE, "keeper").code).toBe(0);
  let pid: number | undefined;
  for (let i = 0; i < 50 && !pid; i++, await Bun.sleep(100)) pid = taskPid("keeper");
  expect(pid).toBeGreaterThan(0);

  // stop(): containerd goes, the container stays.
  const firstPid = h1.pid()!;
  await h1.stop();
  await h1.stop(); // idempotent
  expect(h1.pid()).toBeUndefined();
  expect(processAlive(firstPid)).toBe(false);
  expect(processAlive(pid!)).toBe(true);

  // A new containerd adopts the running container.
  const h2 = await startContainerd({ paths, log, sandboxImage: SANDBOX_IMAGE });
  handles.push(h2);
  expect(taskPid("keeper")).toBe(pid);

  // Crash: restarted after the 1 s back-off.
  const crashed = h2.pid()!;
  process.kill(crashed, "SIGKILL");
  let restarted: number | undefined;
  for (let i = 0; i < 60 && !(restarted && ctr("version").code === 0); i++, await Bun.sleep(100)) restarted = h2.pid();
  expect(restarted).toBeDefined();
  expect(restarted).not.toBe(crashed);
  expect(records.some((r) => r.message.startsWith("containerd exited unexpectedly"))).toBe(true);
  expect(taskPid("keeper")).toBe(pid);
  await h2.stop();

  // A containerd left behind (e.g. lite was SIGKILLed) is replaced.
  const leftover = Bun.spawn(["containerd", "--config", paths.containerdConfig], { stdio: ["ignore", "ignore", "ignore"], detached: true });
  for (let i = 0; i < 100 && ctr("version").code !== 0; i++) await Bun.sleep(50);
  const h3 = await startContainerd({ paths, log, sandboxImage: SANDBOX_IMAGE });
  handles.push(h3);
  expect(h3.pid()).not.toBe(leftover.pid);
  expect(await leftover.exited).toBeDefined();
  expect(records.some((r) => r.message.startsWith("replacing the containerd"))).toBe(true);
  expect(taskPid("keeper")).toBe(pid);
  await h3.stop();

  // killall: nothing of the data dir remains.
  const out: string[] = [];
  const errors: string[] = [];
  expect(await runKillallCommand(["--data-dir", dataDir], { log: (l) => out.push(l), error: (l) => errors.push(l) })).toBe(0);
  expect(errors).toEqual([]);
  expect(out.some((l) => l.startsWith("killed shim"))).toBe(true);
  expect(out.some((l) => l.startsWith("unmounted"))).toBe(true);
  expect(await waitForExit(pid!, 3_000)).toBe(true); // gone or a zombie waiting for init to reap it
  expect(listProcesses().filter((p) => p.argv.join(" ").includes(dataDir))).toEqual([]);
  expect(readMounts().filter((m) => m.mountPoint.startsWith(dataDir))).toEqual([]);
  const again: string[] = [];
  expect(await runKillallCommand(["--data-dir", dataDir], { log: (l) => again.push(l), error: (l) => again.push(l) })).toBe(0);
  expect(again).toEqual([`nothing of lite (data dir ${dataDir}) is running or mounted`]);
  expect(readFileSync(paths.containerdLog, "utf8")).toContain("containerd successfully booted");
}, 120_000);

test("CLI: bad arguments are one line and exit 2; a stopped containerd is a clear error", async () => {
  const lines: string[] = [];
  const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
  expect(await runImagesCommand(["--bogus"], io)).toBe(2);
  expect(await runImagesCommand(["frobnicate"], io)).toBe(2);
  expect(await runImagesCommand(["import"], io)).toBe(2);
  expect(await runKillallCommand(["extra"], io)).toBe(2);
  expect(await runCtrCommand(["--data-dir"], io)).toBe(2);
  expect(lines.every((l) => !l.includes("\n"))).toBe(true);
  lines.length = 0;
  const empty = mkdtempSync("/tmp/lite-nocd-");
  try {
    expect(await runImagesCommand(["ls", "-d", empty], io)).toBe(1);
    expect(await runCtrCommand(["-d", empty, "images", "ls"], io)).toBe(1);
    expect(lines[0]).toBe(`lite images: lite's containerd is not running (nothing answers on ${empty}/agent/run/containerd/containerd.sock); start lite with --data-dir ${empty}`);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
