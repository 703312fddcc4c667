/**
 * A running app container whose image is changed in the pod spec (kubectl replace / set image on a
 * bare pod) is stopped and started again from the new image, whatever the restart policy (upstream
 * computePodActions: "Container X definition changed, will be restarted"). The kubelet runs
 * against an in-process API server and a real containerd with the built-in images.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { createApiClient, inProcessTransport } from "../../client/index.ts";
import { realClock } from "../../controllers/runtime/clock.ts";
import { eventually, quietLog, startTestCluster, type TestCluster } from "../../controllers/testing/in-process.ts";
import { SANDBOX_IMAGE } from "../images/builtin-images.ts";
import type { CriClient, PodSandboxConfig } from "../cri/types.ts";
import { startContainerdFixture, type ContainerdFixture } from "../testing/containerd-fixture.ts";
import { startKubelet, type Kubelet } from "./kubelet.ts";
import { createHookRunner } from "./lifecycle/index.ts";
import type { Pod } from "./pod-types.ts";
import { ProbeManager } from "./prober/index.ts";
import { createSpecPort } from "./spec-port.ts";
import { VolumeManager } from "./volumes/index.ts";

const CLUSTER = { clusterCIDR: "10.42.0.0/16", serviceCIDR: "10.43.0.0/16", clusterDNS: "10.43.0.10", clusterDomain: "cluster.local", serviceNodePortRange: { min: 30000, max: 32767 } };
const NODE = "changed-node";

let fx: ContainerdFixture;
let cluster: TestCluster;
let kubelet: Kubelet | undefined;
const events: string[] = [];

/** The fixture's CRI client with pods under the fixture's cgroup. */
function inFixtureCgroup(real: CriClient, cgroupParent: string): CriClient {
  const inCgroup = (c: PodSandboxConfig): PodSandboxConfig => ({ ...c, linux: { ...c.linux, cgroupParent } });
  return Object.assign(Object.create(real) as CriClient, {
    runPodSandbox: (config: PodSandboxConfig, handler?: string) => real.runPodSandbox(inCgroup(config), handler),
    createContainer: (sandboxId: string, config: never, sandboxConfig: PodSandboxConfig) => real.createContainer(sandboxId, config, inCgroup(sandboxConfig)),
  });
}

beforeAll(async () => {
  fx = await startContainerdFixture({ name: "changed" });
  cluster = await startTestCluster();
}, 60_000);

afterAll(async () => {
  await kubelet?.stop();
  await fx?.stop();
  await cluster?.close();
}, 60_000);

test("a new image in a running pod's spec restarts that container from the new image (restartPolicy Never too)", async () => {
  const client = createApiClient({ transport: inProcessTransport(cluster.harness.server, { username: "admin", groups: ["system:masters"] }), fieldManager: "kubelet" });
  const cri = inFixtureCgroup(fx.cri, fx.cgroupParent);
  const clock = realClock();
  const event = (pod: Pod, _type: string, reason: string, message: string) => { events.push(`${pod.metadata.name} ${reason}: ${message}`); };
  const volumes = new VolumeManager({ client, paths: fx.paths, nodeName: NODE, log: quietLog, recordEvent: event });
  kubelet = await startKubelet({
    deps: { client, cri, paths: fx.paths, log: quietLog, nodeName: NODE, nodeIP: "127.0.0.1", cluster: CLUSTER, event, now: () => Date.now() },
    parts: {
      spec: createSpecPort({ client, nodeIP: "127.0.0.1", cluster: CLUSTER, nodeMemoryCapacity: 1 << 30, event, nodeAllocatable: () => ({}) }),
      volumes: {
        setUp: (pod) => volumes.setUp(pod),
        containerMounts: (pod, c, v, env) => volumes.containerMounts(pod, c, v as never, env),
        tearDown: (uid) => volumes.tearDown(uid),
        refresh: (pod) => volumes.refresh(pod),
      },
      probes: new ProbeManager({ cri, log: quietLog, clock, recordEvent: event, onChange() {} }),
      hooks: createHookRunner({ cri, recordEvent: event }),
    },
    clock,
  });

  const ref = { ...builtinResources.pods, namespace: "default", name: "app" };
  await client.create(builtinResources.pods, {
    apiVersion: "v1", kind: "Pod", metadata: { name: "app", namespace: "default" },
    spec: {
      nodeName: NODE, restartPolicy: "Never", terminationGracePeriodSeconds: 1,
      containers: [
        { name: "app", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"] },
        { name: "other", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] },
      ],
    },
  } as KubeObject);
  const statusOf = (pod: Pod, name: string) => pod.status?.containerStatuses?.find((s) => s.name === name);
  const before = await eventually(async () => {
    const pod = await client.get<Pod>(ref);
    return statusOf(pod, "app")?.state?.running && statusOf(pod, "other")?.state?.running ? pod : undefined;
  }, 30_000, "both containers running");

  const pod = await client.get<Pod>(ref);
  pod.spec.containers[0]!.image = SANDBOX_IMAGE; // the built-in pause image: another image that runs
  await client.update(ref, pod as KubeObject);

  const after = await eventually(async () => {
    const p = await client.get<Pod>(ref);
    const s = statusOf(p, "app");
    return s?.state?.running && s.containerID !== statusOf(before, "app")!.containerID ? p : undefined;
  }, 30_000, "app running again in a new container");
  const app = statusOf(after, "app")!;
  expect(app.restartCount).toBe(1);
  expect(app.imageID).not.toBe(statusOf(before, "app")!.imageID);
  expect(app.lastState?.terminated).toMatchObject({ exitCode: 0 });
  // The unchanged container keeps running, untouched.
  expect(statusOf(after, "other")).toMatchObject({ containerID: statusOf(before, "other")!.containerID, restartCount: 0 });
  expect(events).toContain("app Killing: Container app definition changed, will be restarted");
  const running = (await fx.cri.listContainers()).filter((c) => c.metadata.name === "app" && c.state === "CONTAINER_RUNNING");
  expect(running.map((c) => c.image.image)).toEqual([expect.stringContaining("pause")]);
}, 60_000);
