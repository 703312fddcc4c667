/**
 * A kubelet wired as the node agent wires it (spec port, volumes, probes, hooks), against an
 * in-process API server and the containerd fixture, for kubelet tests that need real containers.
 * Pods go under the fixture's cgroup.
 */
import type { ApiClient } from "@lite/sdk";
import { createApiClient, inProcessTransport } from "../../client/index.ts";
import { realClock } from "../../controllers/runtime/clock.ts";
import { quietLog, type TestCluster } from "../../controllers/testing/in-process.ts";
import type { CriClient, PodSandboxConfig } from "../cri/types.ts";
import { startKubelet, type Kubelet } from "../kubelet/kubelet.ts";
import { createHookRunner } from "../kubelet/lifecycle/index.ts";
import type { Pod } from "../kubelet/pod-types.ts";
import { ProbeManager } from "../kubelet/prober/index.ts";
import { createSpecPort } from "../kubelet/spec-port.ts";
import { VolumeManager } from "../kubelet/volumes/index.ts";
import type { ContainerdFixture } from "./containerd-fixture.ts";

export const TEST_CLUSTER = { clusterCIDR: "10.42.0.0/16", serviceCIDR: "10.43.0.0/16", clusterDNS: "10.43.0.10", clusterDomain: "cluster.local", serviceNodePortRange: { min: 30000, max: 32767 } };

/** The fixture's CRI client with pods under its cgroup; `overrides` replace further calls (e.g. a lossy startContainer). */
export function inFixtureCgroup(fx: ContainerdFixture, overrides: Partial<CriClient> = {}): CriClient {
  const real = fx.cri;
  const inCgroup = (c: PodSandboxConfig): PodSandboxConfig => ({ ...c, linux: { ...c.linux, cgroupParent: fx.cgroupParent } });
  return Object.assign(Object.create(real) as CriClient, {
    runPodSandbox: (config: PodSandboxConfig, handler?: string) => real.runPodSandbox(inCgroup(config), handler),
    createContainer: (sandboxId: string, config: never, sandboxConfig: PodSandboxConfig) => real.createContainer(sandboxId, config, inCgroup(sandboxConfig)),
    ...overrides,
  });
}

export interface FixtureKubeletOptions {
  fx: ContainerdFixture;
  cluster: TestCluster;
  nodeName: string;
  /** Default: inFixtureCgroup(fx). */
  cri?: CriClient;
  /** Where the kubelet's Events go (default: dropped). */
  event?: (pod: Pod, type: string, reason: string, message: string) => void;
}

export async function startFixtureKubelet(o: FixtureKubeletOptions): Promise<{ kubelet: Kubelet; client: ApiClient }> {
  const client = createApiClient({ transport: inProcessTransport(o.cluster.harness.server, { username: "admin", groups: ["system:masters"] }), fieldManager: "kubelet" });
  const cri = o.cri ?? inFixtureCgroup(o.fx);
  const clock = realClock();
  const event = o.event ?? (() => {});
  const { paths } = o.fx;
  const volumes = new VolumeManager({ client, paths, nodeName: o.nodeName, log: quietLog, recordEvent: event });
  const kubelet = await startKubelet({
    deps: { client, cri, paths, log: quietLog, nodeName: o.nodeName, nodeIP: "127.0.0.1", cluster: TEST_CLUSTER, event, now: () => Date.now() },
    parts: {
      spec: createSpecPort({ client, nodeIP: "127.0.0.1", cluster: TEST_CLUSTER, nodeMemoryCapacity: 1 << 30, event, nodeAllocatable: () => ({}) }),
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
  return { kubelet, client };
}
