import { describe, expect, test } from "bun:test";
import type { ContainerStatus } from "../cri/types.ts";
import { generatePodStatus, podPhase, type StatusInputs } from "./pod-status.ts";
import type { Pod } from "./pod-types.ts";
import type { PodRuntime, RuntimeContainer } from "./runtime-snapshot.ts";

const NOW = Date.parse("2026-11-28T00:00:00Z");
const pod = (spec: Partial<Pod["spec"]> = {}): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u1" },
  spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
  status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "True", lastTransitionTime: "2026-11-27T23:59:00Z" }] },
});
const cstatus = (state: ContainerStatus["state"], extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  id: "id", metadata: { name: "c", attempt: 0 }, state, createdAt: 1, startedAt: (NOW - 5000) * 1e6, finishedAt: state === "CONTAINER_EXITED" ? (NOW - 1000) * 1e6 : 0,
  exitCode: 0, image: { image: "busybox" }, imageRef: "sha256:abc", reason: "", message: "", labels: {}, annotations: {}, mounts: [], logPath: "/l", ...extra,
});
const rc = (name: string, id: string, status: ContainerStatus, restartCount = 0): RuntimeContainer => ({ id, sandboxId: "s1", name, restartCount, status: { ...status, id } });
const runtime = (...containers: RuntimeContainer[]): PodRuntime => ({ uid: "u1", sandboxes: [], containers });
const inputs = (p: Pod, rt: PodRuntime | undefined, over: Partial<StatusInputs> = {}): StatusInputs => ({
  pod: p, runtime: rt, sandbox: { id: "s1", ready: true, ip: "10.42.0.9" }, hostIP: "127.0.0.1",
  waiting: () => undefined, ready: () => true, started: () => true, runtimeName: "containerd", qosClass: "BestEffort", now: NOW, ...over,
});

describe("pod status as upstream's generateAPIPodStatus", () => {
  test("a running ready container: phase Running, the five conditions True, container status fields", () => {
    const s = generatePodStatus(inputs(pod(), runtime(rc("c", "c1", cstatus("CONTAINER_RUNNING")))));
    expect(s.phase).toBe("Running");
    expect(s.conditions!.map((c) => [c.type, c.status])).toEqual([
      ["PodReadyToStartContainers", "True"], ["Initialized", "True"], ["Ready", "True"], ["ContainersReady", "True"], ["PodScheduled", "True"]]);
    expect(s.containerStatuses![0]).toEqual({
      name: "c", state: { running: { startedAt: "2026-11-27T23:59:55Z" } }, lastState: {}, ready: true, restartCount: 0,
      image: "busybox", imageID: "sha256:abc", containerID: "containerd://c1", started: true,
    });
    expect(s).toMatchObject({ podIP: "10.42.0.9", podIPs: [{ ip: "10.42.0.9" }], hostIP: "127.0.0.1", qosClass: "BestEffort" });
  });

  test("ephemeral containers: their own status list, never ready, and they change neither the phase nor readiness", () => {
    const p = pod({ ephemeralContainers: [{ name: "debugger", image: "busybox" }, { name: "later", image: "busybox" }] });
    const s = generatePodStatus(inputs(p, runtime(rc("c", "c1", cstatus("CONTAINER_RUNNING")), rc("debugger", "d1", cstatus("CONTAINER_RUNNING")))));
    expect(s.phase).toBe("Running");
    expect(s.conditions!.find((c) => c.type === "Ready")!.status).toBe("True");
    expect(s.containerStatuses!.map((c) => c.name)).toEqual(["c"]);
    expect(s.ephemeralContainerStatuses!.map((c) => [c.name, Object.keys(c.state)[0], c.ready])).toEqual([["debugger", "running", false], ["later", "waiting", false]]);
    expect(s.ephemeralContainerStatuses![0]!.containerID).toBe("containerd://d1");
    expect(generatePodStatus(inputs(pod(), undefined)).ephemeralContainerStatuses).toBeUndefined();
  });

  test("no container yet: Pending, ContainerCreating, ContainersNotReady with upstream's message", () => {
    const s = generatePodStatus(inputs(pod(), undefined, { sandbox: undefined }));
    expect(s.phase).toBe("Pending");
    expect(s.containerStatuses![0]!.state).toEqual({ waiting: { reason: "ContainerCreating" } });
    const ready = s.conditions!.find((c) => c.type === "Ready")!;
    expect(ready).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [c]" });
  });

  test("crash loop: waiting CrashLoopBackOff with the last run as lastState, phase Running under restartPolicy Always", () => {
    const s = generatePodStatus(inputs(pod(), runtime(rc("c", "c2", cstatus("CONTAINER_EXITED", { exitCode: 1, reason: "Error" }), 2)), {
      waiting: () => ({ reason: "CrashLoopBackOff", message: "back-off 20s restarting failed container=c pod=p_ns(u1)" }),
    }));
    expect(s.phase).toBe("Running");
    const cs = s.containerStatuses![0]!;
    expect(cs.state.waiting?.reason).toBe("CrashLoopBackOff");
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error", containerID: "containerd://c2" });
    expect(cs.restartCount).toBe(2);
    expect(cs.ready).toBe(false);
  });

  test("restartPolicy Never: exit 0 is Succeeded, exit 1 is Failed; Ready False with reason PodCompleted", () => {
    const ok = generatePodStatus(inputs(pod({ restartPolicy: "Never" }), runtime(rc("c", "c1", cstatus("CONTAINER_EXITED", { exitCode: 0, reason: "Completed" })))));
    expect(ok.phase).toBe("Succeeded");
    expect(ok.conditions!.find((c) => c.type === "Ready")).toMatchObject({ status: "False", reason: "PodCompleted" });
    const bad = generatePodStatus(inputs(pod({ restartPolicy: "Never" }), runtime(rc("c", "c1", cstatus("CONTAINER_EXITED", { exitCode: 1, reason: "Error" })))));
    expect(bad.phase).toBe("Failed");
    expect(bad.containerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
  });

  test("init containers: the running one waits the app containers in PodInitializing; Initialized False names it", () => {
    const p = pod({ initContainers: [{ name: "init1", image: "busybox" }, { name: "init2", image: "busybox" }] });
    const s = generatePodStatus(inputs(p, runtime(
      rc("init1", "i1", cstatus("CONTAINER_EXITED", { exitCode: 0, reason: "Completed" })),
      rc("init2", "i2", cstatus("CONTAINER_RUNNING")),
    )));
    expect(s.phase).toBe("Pending");
    expect(s.initContainerStatuses!.map((c) => Object.keys(c.state)[0])).toEqual(["terminated", "running"]);
    expect(s.containerStatuses![0]!.state).toEqual({ waiting: { reason: "PodInitializing" } });
    expect(s.conditions!.find((c) => c.type === "Initialized")).toMatchObject({ status: "False", reason: "ContainersNotInitialized", message: "containers with incomplete status: [init2]" });
    // A completed init container is ready; the running one is not (upstream prober manager).
    expect(s.initContainerStatuses!.map((c) => c.ready)).toEqual([true, false]);
  });

  test("a failed init container under restartPolicy Never fails the pod (getPhase)", () => {
    const p = pod({ restartPolicy: "Never", initContainers: [{ name: "init", image: "busybox" }] });
    const init = [{ name: "init", state: { terminated: { exitCode: 2 } }, lastState: {}, ready: false, restartCount: 0, image: "", imageID: "" }];
    expect(podPhase(p, init, [], false)).toBe("Failed");
  });

  test("transition times are kept while a condition's status does not change", () => {
    const first = generatePodStatus(inputs(pod(), runtime(rc("c", "c1", cstatus("CONTAINER_RUNNING")))));
    const later = generatePodStatus({ ...inputs({ ...pod(), status: first }, runtime(rc("c", "c1", cstatus("CONTAINER_RUNNING")))), now: NOW + 60_000 });
    expect(later.conditions).toEqual(first.conditions);
    expect(later.startTime).toBe(first.startTime);
  });
});
