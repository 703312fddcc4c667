/**
 * A container left in Created (its StartContainer answer was lost: a timeout, a dropped
 * connection) must not strand the pod. The kubelet runs against an in-process API server and a
 * real containerd; the CRI client in between loses the first StartContainer before it reaches
 * the runtime. The next sync must start the Created container, and the pod must run.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { createApiClient, inProcessTransport } from "../../client/index.ts";
import { realClock } from "../../controllers/runtime/clock.ts";
import { eventually, quietLog, startTestCluster, type TestCluster } from "../../controllers/testing/in-process.ts";
import { CriError, type CriClient, type PodSandboxConfig } from "../cri/types.ts";
import { startContainerdFixture, type ContainerdFixture } from "../testing/containerd-fixture.ts";
import { startKubelet, type Kubelet } from "./kubelet.ts";
import { createHookRunner } from "./lifecycle/index.ts";
import type { Pod } from "./pod-types.ts";
import { ProbeManager } from "./prober/index.ts";
import { createSpecPort } from "./spec-port.ts";
import { VolumeManager } from "./volumes/index.ts";

const CLUSTER = { clusterCIDR: "10.42.0.0/16", serviceCIDR: "10.43.0.0/16", clusterDNS: "10.43.0.10", clusterDomain: "cluster.local", serviceNodePortRange: { min: 30000, max: 32767 } };
const NODE = "stale-node";

let fx: ContainerdFixture;
let cluster: TestCluster;
let kubelet: Kubelet | undefined;
let lostStarts = 0;

/** The real CRI client, but the first StartContainer is "lost" (never reaches containerd), and pods go under the fixture's cgroup. */
function flakyCri(real: CriClient, cgroupParent: string): CriClient {
  const inCgroup = (c: PodSandboxConfig): PodSandboxConfig => ({ ...c, linux: { ...c.linux, cgroupParent } });
  return Object.assign(Object.create(real) as CriClient, {
    runPodSandbox: (config: PodSandboxConfig, handler?: string) => real.runPodSandbox(inCgroup(config), handler),
    createContainer: (sandboxId: string, config: never, sandboxConfig: PodSandboxConfig) => real.createContainer(sandboxId, config, inCgroup(sandboxConfig)),
    startContainer: async (id: string) => {
      if (lostStarts++ === 0) throw new CriError("StartContainer", 4, "context deadline exceeded");
      return real.startContainer(id);
    },
  });
}

beforeAll(async () => {
  fx = await startContainerdFixture({ name: "stale" });
  cluster = await startTestCluster();
}, 60_000);

afterAll(async () => {
  await kubelet?.stop();
  await fx?.stop();
  await cluster?.close();
}, 60_000);

test("a container whose StartContainer answer was lost is started by the next sync, not left Created", async () => {
  const client = createApiClient({ transport: inProcessTransport(cluster.harness.server, { username: "admin", groups: ["system:masters"] }), fieldManager: "kubelet" });
  const cri = flakyCri(fx.cri, fx.cgroupParent);
  const clock = realClock();
  const event = () => {};
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

  await client.create(builtinResources.pods, {
    apiVersion: "v1", kind: "Pod", metadata: { name: "stale", namespace: "default" },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: "app", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }] },
  } as KubeObject);

  const running = await eventually(async () => {
    const pod = await client.get<Pod>({ ...builtinResources.pods, namespace: "default", name: "stale" });
    const s = pod.status?.containerStatuses?.[0];
    return s?.state?.running ? s : undefined;
  }, 30_000, "the pod's container running");
  expect(lostStarts).toBeGreaterThanOrEqual(2); // the lost start, then the one that worked
  expect(running.restartCount).toBe(0);
  // One container for "app": the Created one was started, not abandoned beside a new one.
  const containers = (await fx.cri.listContainers()).filter((c) => c.metadata.name === "app");
  expect(containers.map((c) => c.state)).toEqual(["CONTAINER_RUNNING"]);
}, 60_000);
