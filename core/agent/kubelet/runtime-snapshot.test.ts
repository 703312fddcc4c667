import { expect, test } from "bun:test";
import type { Container, ContainerState, ContainerStatus, CriClient } from "../cri/types.ts";
import { RuntimeSnapshot } from "./runtime-snapshot.ts";

/** A runtime with one container per pod whose state the test sets; listings can be held back. */
function fakeRuntime() {
  const states = new Map<string, ContainerState>();
  let gate: Promise<void> | undefined;
  const container = (uid: string, state: ContainerState): Container => ({
    id: `c-${uid}`, podSandboxId: `s-${uid}`, metadata: { name: "c", attempt: 0 }, image: { image: "busybox" }, imageRef: "", state, createdAt: 1,
    labels: { "io.kubernetes.pod.uid": uid, "io.kubernetes.container.name": "c" }, annotations: {},
  });
  const cri = {
    listPodSandbox: async () => [],
    async listContainers() {
      const snapshot = [...states].map(([uid, state]) => container(uid, state)); // what the runtime says now
      await gate;
      return snapshot;
    },
    containerStatus: async (id: string) => ({ id, state: states.get(id.slice(2)), createdAt: 1, startedAt: 1, finishedAt: 0, exitCode: 0, annotations: {}, mounts: [] }) as unknown as ContainerStatus,
  } as unknown as CriClient;
  return { cri, states, hold() { let release!: () => void; gate = new Promise((r) => (release = r)); return () => { gate = undefined; release(); }; } };
}

test("changes seen by any relist reach onChange; overlapping relists run one after the other, the newest listing wins", async () => {
  const rt = fakeRuntime();
  const seen: string[][] = [];
  const snapshot = new RuntimeSnapshot(rt.cri, (uids) => seen.push([...uids].sort()));
  rt.states.set("a", "CONTAINER_RUNNING");
  rt.states.set("b", "CONTAINER_RUNNING");
  await snapshot.relist();
  expect(seen).toEqual([["a", "b"]]);

  // A slow relist lists "b" running; meanwhile "b" exits and another caller relists.
  const release = rt.hold();
  const slow = snapshot.relist();
  rt.states.set("b", "CONTAINER_EXITED");
  const later = snapshot.relist();
  release();
  const [first, second] = await Promise.all([slow, later]);
  expect([...first]).toEqual([]);
  expect([...second]).toEqual(["b"]);
  expect(seen).toEqual([["a", "b"], ["b"]]);
  // The newer listing is the one kept.
  expect(snapshot.get("b")!.containers[0]!.status.state).toBe("CONTAINER_EXITED");
});
