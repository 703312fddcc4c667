/**
 * Test fixture for the streaming tests: the shared containerd fixture (a REAL containerd under a
 * temp data dir, a private bridge network in 10.251.X.0/24) and one busybox pod whose container
 * serves `/tmp/www/index.html` ("hello-from-pod\n") with `busybox httpd` on ports 8080 and 8081
 * and otherwise sleeps; plus a second container, "cat", running `cat` with stdin open (for attach).
 * Needs root, containerd, runc, the CNI plugins and busybox-static.
 *
 * `stop()` removes what `startTestPod` made (see the containerd fixture's stop()).
 */
import { mkdirSync } from "node:fs";
import type { ContainerConfig, CriClient, PodSandboxConfig } from "../cri/types.ts";
import { BUSYBOX_IMAGE } from "../images/builtin-images.ts";
import { startContainerdFixture } from "../testing/containerd-fixture.ts";

export interface TestPod {
  cri: CriClient;
  sandboxId: string;
  /** The httpd container. */
  containerId: string;
  /** The `cat` container (stdin open, stdinOnce). */
  catId: string;
  stop(): Promise<void>;
}

export async function startTestPod(): Promise<TestPod> {
  const fx = await startContainerdFixture({ name: "stream" });
  const { cri, paths, rand, cgroupParent } = fx;
  try {
    const podLogDir = `${paths.podLogsDir}/default_stream_uid-${rand}`;
    for (const name of ["c", "cat"]) mkdirSync(`${podLogDir}/${name}`, { recursive: true });
    const sandbox: PodSandboxConfig = {
      metadata: { name: "stream", uid: `uid-${rand}`, namespace: "default", attempt: 0 },
      hostname: "stream",
      logDirectory: podLogDir,
      linux: { cgroupParent, securityContext: { namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" } } },
    };
    const sandboxId = await cri.runPodSandbox(sandbox);
    const container = async (config: ContainerConfig) => {
      const id = await cri.createContainer(sandboxId, config, sandbox);
      await cri.startContainer(id);
      return id;
    };
    const script = "mkdir -p /tmp/www && echo hello-from-pod > /tmp/www/index.html && httpd -p 8080 -h /tmp/www && httpd -p 8081 -h /tmp/www && while :; do sleep 1; done";
    const containerId = await container({ metadata: { name: "c", attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ["sh", "-c", script], logPath: "c/0.log" });
    const catId = await container({ metadata: { name: "cat", attempt: 0 }, image: { image: BUSYBOX_IMAGE }, command: ["cat"], stdin: true, stdinOnce: true, logPath: "cat/0.log" });
    return { cri, sandboxId, containerId, catId, stop: fx.stop };
  } catch (e) {
    await fx.stop();
    throw e;
  }
}
