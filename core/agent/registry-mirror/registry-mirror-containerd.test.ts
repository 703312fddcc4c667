import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Logger } from "@lite/sdk";
import { logTail, startContainerd, type ContainerdHandle } from "../containerd/supervisor.ts";
import { createCriClient } from "../cri/client.ts";
import type { CriClient } from "../cri/types.ts";
import { BUSYBOX_IMAGE, DEFAULT_BUSYBOX, SANDBOX_IMAGE } from "../images/builtin-images.ts";
import { importImages } from "../images/import.ts";
import { buildOciLayout, gzipLayer } from "../images/oci-layout.ts";
import { writeTar } from "../images/tar-writer.ts";
import { killall } from "../killall/killall.ts";
import { agentPaths } from "../paths.ts";
import { BUILTIN_REGISTRIES, startBuiltinRegistry, writeMirrorHosts, type BuiltinRegistry } from "./index.ts";

/**
 * Against this machine's containerd 1.6: the mirror started AFTER containerd, hosts.toml written
 * while it runs, then CRI PullImage of the imported built-ins resolves through the mirror to the
 * same image. Every upstream a pull may fall back to is on loopback (docker.io's is overridden to
 * 127.0.0.1:1 here), so a broken mirror fails the test instead of sending traffic off the machine.
 */
const canRun = process.getuid?.() === 0 && !!Bun.which("containerd") && !!Bun.which("ctr") && !!Bun.which("runc") && existsSync(DEFAULT_BUSYBOX);
const dataDir = mkdtempSync("/tmp/lite-mirror-ctd-");
const paths = agentPaths(dataDir);
const records: { message: string; fields?: Record<string, unknown> }[] = [];
const log: Logger = {
  debug: (message, fields) => records.push({ message, fields }),
  info: (message, fields) => records.push({ message, fields }),
  warn: (message, fields) => records.push({ message, fields }),
  error: (message, fields) => records.push({ message, fields }),
  child: () => log,
};
const registries: BuiltinRegistry[] = [];
let containerd: ContainerdHandle | undefined;
let cri: CriClient | undefined;
let testsDone = 0;

afterAll(async () => {
  if (canRun && testsDone < 2) console.log(`containerd log tail:\n${logTail(paths.containerdLog, 40)}`);
  for (const r of registries) await r.stop();
  cri?.close();
  await containerd?.stop();
  if (canRun) await killall({ dataDir }); // shims or mounts of this data dir, if any were left
  rmSync(dataDir, { recursive: true, force: true });
});

/** "METHOD /path?query STATUS" of every request the registry on `port` answered, from its debug log. */
function requests(port: number): string[] {
  return records
    .filter((r) => r.message === "registry request" && String(r.fields?.url).startsWith(`http://127.0.0.1:${port}/`))
    .map((r) => {
      const url = new URL(String(r.fields!.url));
      return `${r.fields!.method} ${url.pathname}${url.search} ${r.fields!.status}`;
    });
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await fn();
  return [value, Math.round((performance.now() - t0) * 10) / 10];
}

test.skipIf(!canRun)("CRI PullImage of the built-in images goes through the loopback mirror and is a no-op", async () => {
  containerd = await startContainerd({ paths, log, sandboxImage: SANDBOX_IMAGE });
  cri = createCriClient(`unix://${containerd.socket}`, { pullTimeoutMs: 20_000 }); // a hang fails the pull, not the whole run
  const report = await importImages({ socket: containerd.socket, paths, log });
  expect(report.builtin.status).not.toBe("failed");
  const busyboxId = (await cri.imageStatus(BUSYBOX_IMAGE))!.id;
  const pauseId = (await cri.imageStatus(SANDBOX_IMAGE))!.id;

  // Started after containerd; hosts.toml written while containerd runs.
  const mirror = await startBuiltinRegistry({ layoutTar: report.builtin.file, log });
  registries.push(mirror);
  writeMirrorHosts(paths, mirror.port, BUILTIN_REGISTRIES, { upstreams: { "docker.io": "http://127.0.0.1:1" } });

  const [ref, firstMs] = await timed(() => cri!.pullImage("busybox"));
  expect(ref).toBe(busyboxId);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const [again, ms] = await timed(() => cri!.pullImage("docker.io/library/busybox:latest"));
    expect(again).toBe(busyboxId);
    times.push(ms);
  }
  console.log(`CRI PullImage busybox through the mirror: first ${firstMs} ms, then ${times.join(", ")} ms`);
  const seen = requests(mirror.port);
  expect(seen).toContain("HEAD /v2/library/busybox/manifests/latest?ns=docker.io 200");
  expect(seen.filter((r) => r.includes("/blobs/"))).toEqual([]); // config and layer were already in the store
  expect(await cri.pullImage(SANDBOX_IMAGE)).toBe(pauseId);
  expect(requests(mirror.port)).toContain("HEAD /v2/pause/manifests/3.10?ns=lite.local 200");
  expect((await cri.imageStatus("busybox"))!.id).toBe(busyboxId);
  testsDone++;
}, 60_000);

test.skipIf(!canRun)("images not in the mirror get 404 and fall back to the registry's own server; hosts.toml is re-read at every pull", async () => {
  expect(cri).toBeDefined();
  const mirror = registries[0]!;
  // The fake registry's upstream first refuses connections (127.0.0.1:1) …
  writeMirrorHosts(paths, mirror.port, ["mirror-test.local"], { upstreams: { "mirror-test.local": "http://127.0.0.1:1" } });
  const [err, failMs] = await timed(() => cri!.pullImage("mirror-test.local/nosuch:1").then(() => undefined, (e: Error) => e));
  expect(err?.message).toMatch(/127\.0\.0\.1:1/);
  expect(requests(mirror.port)).toContain("HEAD /v2/nosuch/manifests/1?ns=mirror-test.local 404");
  console.log(`CRI PullImage of an image neither endpoint has: failed after ${failMs} ms`);
  expect(await cri!.pullImage("mirror-test.local/app:1").then(() => "pulled", () => "failed")).toBe("failed");

  // … then, without restarting containerd, it points at a loopback registry that has the image.
  const layout = buildOciLayout([{ name: "mirror-test.local/app:1", config: { Cmd: ["/hello"] }, layers: [gzipLayer(writeTar([{ type: "file", name: "hello", data: new TextEncoder().encode("hi\n") }]))] }]);
  writeFileSync(`${dataDir}/upstream.tar`, layout.tar);
  const upstream = await startBuiltinRegistry({ layoutTar: `${dataDir}/upstream.tar`, log });
  registries.push(upstream);
  writeMirrorHosts(paths, mirror.port, ["mirror-test.local"], { upstreams: { "mirror-test.local": `http://127.0.0.1:${upstream.port}` } });
  const [ref, okMs] = await timed(() => cri!.pullImage("mirror-test.local/app:1"));
  expect(ref).toBe(layout.configDigests.get("mirror-test.local/app:1")!);
  expect(requests(mirror.port)).toContain("HEAD /v2/app/manifests/1?ns=mirror-test.local 404");
  expect(requests(upstream.port)).toContain("HEAD /v2/app/manifests/1?ns=mirror-test.local 200");
  expect(requests(upstream.port).some((r) => r.startsWith("GET /v2/app/blobs/") && r.endsWith(" 200"))).toBe(true);
  console.log(`CRI PullImage after a 404 from the mirror, from the loopback upstream: ${okMs} ms`);
  // (Not `expect(promise).rejects`: bun test waits for it in a nested loop where grpc-js answers never arrive.)
  const notFound = await cri!.pullImage("mirror-test.local/nosuch:1").then(() => undefined, (e: Error) => e);
  expect(notFound?.message).toMatch(/mirror-test.local\/nosuch:1: not found/);
  testsDone++;
}, 60_000);
