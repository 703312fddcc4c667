/**
 * Node status against a real containerd (its own, under a temp data dir) and an in-process API
 * server: the runtime version, and Ready following containerd's NetworkReady as a CNI
 * configuration appears. No pods run, so nothing but containerd itself needs cleaning up.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { builtinResources } from "@lite/sdk";
import { eventually, quietLog, startTestCluster, type TestCluster } from "../../../controllers/testing/in-process.ts";
import { startContainerd, type ContainerdHandle } from "../../containerd/supervisor.ts";
import { createCriClient } from "../../cri/client.ts";
import type { CriClient } from "../../cri/types.ts";
import { SANDBOX_IMAGE } from "../../images/builtin-images.ts";
import { agentPaths, type AgentPaths } from "../../paths.ts";
import { startNodeStatus, type NodeStatusHandle } from "./start-node-status.ts";
import type { Node } from "./types.ts";

const canRun = process.getuid?.() === 0 && Bun.which("containerd") !== null && existsSync("/usr/lib/cni/bridge");

describe.skipIf(!canRun)("node status with a real containerd", () => {
  let dir: string;
  let paths: AgentPaths;
  let containerd: ContainerdHandle | undefined;
  let cri: CriClient | undefined;
  let cluster: TestCluster | undefined;
  let handle: NodeStatusHandle | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(`${tmpdir()}/lite-node-ctrd-`);
    paths = agentPaths(dir);
    mkdirSync(paths.cniConfDir, { recursive: true }); // empty: no pod network yet
    containerd = await startContainerd({ paths, log: quietLog, sandboxImage: SANDBOX_IMAGE });
    cri = createCriClient(`unix://${containerd.socket}`);
    cluster = await startTestCluster();
  }, 60_000);

  afterAll(async () => {
    await handle?.stop();
    cri?.close();
    await containerd?.stop();
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  test("NotReady with containerd's words until a CNI configuration appears, then Ready", async () => {
    handle = await startNodeStatus({
      client: cluster!.client, nodeName: "real-node", nodeIP: "127.0.0.1", hostname: hostname(), role: "agent",
      labels: {}, taints: [], kubeletPort: 10250, cri: cri!, paths, log: quietLog,
    });
    const get = () => cluster!.client.get<Node>({ ...builtinResources.nodes, name: "real-node" });
    const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === "Ready");
    const node = await get();
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toBe(`containerd://${containerd!.version()}`);
    expect(ready(node)).toMatchObject({ status: "False", reason: "KubeletNotReady" });
    expect(ready(node)!.message).toStartWith("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:");
    expect(Number.parseInt(node.status!.capacity!.cpu!, 10)).toBeGreaterThan(0);
    expect(node.status!.capacity!["ephemeral-storage"]).toMatch(/^\d+(Ki|Mi|Gi|Ti)?$/);

    writeFileSync(`${paths.cniConfDir}/10-test.conflist`, JSON.stringify({
      cniVersion: "1.0.0", name: "test", plugins: [{ type: "bridge", bridge: "lite-unused0", ipam: { type: "host-local", ranges: [[{ subnet: "10.251.0.0/24" }]] } }],
    }));
    // containerd notices the file, the 5 s runtime check sees NetworkReady, the status follows at once.
    const after = await eventually(async () => {
      const n = await get();
      return ready(n)?.status === "True" ? n : undefined;
    }, 20_000, "Ready=True");
    expect(ready(after)).toMatchObject({ reason: "KubeletReady", message: "kubelet is posting ready status" });
  }, 30_000);
});
