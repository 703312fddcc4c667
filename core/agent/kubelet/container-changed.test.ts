/**
 * A running app container whose image is changed in the pod spec (kubectl replace / set image on a
 * bare pod) is stopped and started again from the new image, whatever the restart policy (upstream
 * computePodActions: "Container X definition changed, will be restarted"). The kubelet runs
 * against an in-process API server and a real containerd with the built-in images.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { eventually, startTestCluster, type TestCluster } from "../../controllers/testing/in-process.ts";
import { SANDBOX_IMAGE } from "../images/builtin-images.ts";
import { startContainerdFixture, type ContainerdFixture } from "../testing/containerd-fixture.ts";
import { startFixtureKubelet } from "../testing/fixture-kubelet.ts";
import type { Kubelet } from "./kubelet.ts";
import type { Pod } from "./pod-types.ts";

const NODE = "changed-node";

let fx: ContainerdFixture;
let cluster: TestCluster;
let kubelet: Kubelet | undefined;
const events: string[] = [];

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
  const started = await startFixtureKubelet({ fx, cluster, nodeName: NODE, event: (pod, _type, reason, message) => { events.push(`${pod.metadata.name} ${reason}: ${message}`); } });
  kubelet = started.kubelet;
  const { client } = started;

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
