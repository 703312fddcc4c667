/**
 * killall after lite stopped cleanly: no containerd, shim or container of the data dir is alive to
 * say which network namespace the node ran in, so the node agent's record (node-netns-record.ts)
 * decides. The devices and tables are made by hand in a network namespace this test creates (a
 * bridge cni0 named by the CNI config, flannel.1, an nftables table lite-proxy), as a stopped
 * node leaves them; killall runs inside that namespace through the CLI.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { agentPaths } from "../paths.ts";
import { nodeNetnsRecordFile, recordedNetnsIsOwn, recordNodeNetns } from "../node-netns-record.ts";
import { killall } from "./killall.ts";

const canRun = process.getuid?.() === 0 && !!Bun.which("nft") && !!Bun.which("ip");
const netns = `lite-kcs-${process.pid}`;
const dataDir = mkdtempSync("/tmp/lite-kcs-");
const paths = agentPaths(dataDir);
const mainTs = new URL("../../main.ts", import.meta.url).pathname;

afterAll(() => {
  spawnSync("ip", ["netns", "delete", netns]);
  rmSync(dataDir, { recursive: true, force: true });
});

const inNetns = (...argv: string[]) => spawnSync("ip", ["netns", "exec", netns, ...argv], { encoding: "utf8" });

test("the record names the namespace the agent ran in; only that namespace counts as the node's", () => {
  mkdirSync(paths.root, { recursive: true });
  expect(recordedNetnsIsOwn(paths)).toBe(false);
  recordNodeNetns(paths);
  expect(recordedNetnsIsOwn(paths)).toBe(true);
  writeFileSync(nodeNetnsRecordFile(paths), "net:[1]\n");
  expect(recordedNetnsIsOwn(paths)).toBe(false);
  rmSync(nodeNetnsRecordFile(paths));
});

test.skipIf(!canRun)("after a clean stop, killall removes the node's bridge, flannel device and lite nftables tables where the agent ran, and nowhere else", async () => {
  expect(spawnSync("ip", ["netns", "add", netns]).status).toBe(0);
  for (const argv of [["ip", "link", "add", "cni0", "type", "bridge"], ["ip", "link", "add", "flannel.1", "type", "vxlan", "id", "1", "dstport", "8472"], ["nft", "add", "table", "ip", "lite-proxy"]]) {
    expect(inNetns(...argv).status).toBe(0);
  }
  mkdirSync(paths.cniConfDir, { recursive: true });
  writeFileSync(`${paths.cniConfDir}/10-flannel.conflist`, JSON.stringify({ cniVersion: "1.0.0", name: "cbr0", plugins: [{ type: "bridge", bridge: "cni0" }] }));
  // What the node agent wrote when it started inside the namespace.
  writeFileSync(nodeNetnsRecordFile(paths), `${inNetns("readlink", "/proc/self/ns/net").stdout.trim()}\n`);
  expect(readlinkSync("/proc/self/ns/net")).not.toBe(readFileSync(nodeNetnsRecordFile(paths), "utf8").trim());

  // From another namespace (this test's own): nothing is the node's, nothing is touched.
  expect(await killall({ dataDir })).toEqual({ actions: [], warnings: [] });
  expect(inNetns("ip", "-o", "link", "show").stdout).toContain("cni0");

  const run = () => inNetns("bun", mainTs, "killall", "-d", dataDir);
  const first = run();
  expect({ code: first.status, stderr: first.stderr }).toEqual({ code: 0, stderr: "" });
  expect(first.stdout.trim().split("\n")).toEqual([
    "deleted network device cni0",
    "deleted network device flannel.1",
    "deleted nftables table ip lite-proxy",
  ]);
  const links = inNetns("ip", "-o", "link", "show").stdout;
  expect(links).not.toContain("cni0");
  expect(links).not.toContain("flannel.1");
  expect(inNetns("nft", "list", "tables").stdout).not.toContain("lite-proxy");
  expect(existsSync(nodeNetnsRecordFile(paths))).toBe(false);

  const second = run();
  expect(second.stdout.trim()).toBe(`nothing of lite (data dir ${dataDir}) is running or mounted`);
}, 60_000);
