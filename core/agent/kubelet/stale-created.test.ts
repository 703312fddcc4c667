/**
 * A container left in Created (its StartContainer answer was lost: a timeout, a dropped
 * connection) must not strand the pod. The kubelet runs against an in-process API server and a
 * real containerd; the CRI client in between loses the first StartContainer before it reaches
 * the runtime. The next sync must start the Created container, and the pod must run.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { eventually, startTestCluster, type TestCluster } from "../../controllers/testing/in-process.ts";
import { CriError, type CriClient } from "../cri/types.ts";
import { startContainerdFixture, type ContainerdFixture } from "../testing/containerd-fixture.ts";
import { inFixtureCgroup, startFixtureKubelet } from "../testing/fixture-kubelet.ts";
import type { Kubelet } from "./kubelet.ts";
import type { Pod } from "./pod-types.ts";

const NODE = "stale-node";

let fx: ContainerdFixture;
let cluster: TestCluster;
let kubelet: Kubelet | undefined;
let lostStarts = 0;

/** The fixture's CRI client, but the first StartContainer is "lost" (never reaches containerd). */
function flakyCri(fx: ContainerdFixture): CriClient {
  return inFixtureCgroup(fx, {
    startContainer: async (id: string) => {
      if (lostStarts++ === 0) throw new CriError("StartContainer", 4, "context deadline exceeded");
      return fx.cri.startContainer(id);
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
  const started = await startFixtureKubelet({ fx, cluster, nodeName: NODE, cri: flakyCri(fx) });
  kubelet = started.kubelet;
  const { client } = started;

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
