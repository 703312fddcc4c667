import { describe, expect, test } from "bun:test";
import type { RuntimeContainer, RuntimePod } from "../pod-runtime-view.ts";
import { pickLogFile } from "./container-logs.ts";
import { parseContainerLogQuery, sinceOf } from "./log-query.ts";

const pod = (c: RuntimeContainer): RuntimePod => ({ pod: { metadata: { name: "p", namespace: "ns" } }, containers: [c] });
const pick = (c: RuntimeContainer, previous = false) => pickLogFile(pod(c), "c", "p", previous);

describe("pickLogFile (upstream validateContainerLogStatus)", () => {
  test("running: the current file, followable", () => {
    expect(pick({ name: "c", state: "running", containerId: "id1", logPath: "/l/1.log" })).toEqual({ path: "/l/1.log", containerId: "id1", current: true });
  });
  test("previous", () => {
    expect(pick({ name: "c", state: "running", logPath: "/l/1.log", previousLogPath: "/l/0.log" }, true)).toEqual({ path: "/l/0.log", current: false });
    expect(pick({ name: "c", state: "running", logPath: "/l/0.log" }, true)).toEqual({ error: 'previous terminated container "c" in pod "p" not found' });
  });
  test("waiting", () => {
    expect(pick({ name: "c", state: "waiting", waitingReason: "ContainerCreating" })).toEqual({ error: 'container "c" in pod "p" is waiting to start: ContainerCreating' });
    expect(pick({ name: "c", state: "waiting" })).toEqual({ error: 'container "c" in pod "p" is waiting to start: ContainerCreating' });
    expect(pick({ name: "c", state: "waiting", waitingReason: "ErrImagePull" })).toEqual({ error: `container "c" in pod "p" is waiting to start: image can't be pulled` });
    expect(pick({ name: "c", state: "waiting", waitingReason: "ImagePullBackOff" })).toEqual({ error: 'container "c" in pod "p" is waiting to start: trying and failing to pull image' });
    // CrashLoopBackOff: the last instance's logs
    expect(pick({ name: "c", state: "waiting", waitingReason: "CrashLoopBackOff", previousLogPath: "/l/3.log" })).toEqual({ path: "/l/3.log", current: false });
  });
  test("terminated", () => {
    expect(pick({ name: "c", state: "terminated", containerId: "id", logPath: "/l/0.log" })).toEqual({ path: "/l/0.log", containerId: "id", current: false });
    expect(pick({ name: "c", state: "terminated" })).toEqual({ error: 'container "c" in pod "p" is terminated' });
  });
  test("unknown to the runtime", () => {
    expect(pickLogFile(pod({ name: "x", state: "running" }), "c", "p", false)).toEqual({ error: 'container "c" in pod "p" is not available' });
  });
});

describe("parseContainerLogQuery", () => {
  const q = (s: string) => parseContainerLogQuery(new URLSearchParams(s));
  test("values", () => {
    expect(q("follow=true&previous=1&timestamps=false&tailLines=5&limitBytes=10&sinceSeconds=60")).toEqual({
      ok: true, query: { follow: true, previous: true, timestamps: false, tailLines: 5, limitBytes: 10, sinceSeconds: 60, sinceTime: undefined },
    });
    const r = q("sinceTime=2024-05-01T10:00:00Z");
    expect(r.ok && r.query.sinceTime).toBe(Date.UTC(2024, 4, 1, 10));
    expect(r.ok && sinceOf(r.query)).toBe(Date.UTC(2024, 4, 1, 10));
    const s = q("sinceSeconds=10");
    expect(s.ok && sinceOf(s.query, 100_000)).toBe(90_000);
  });
  test("errors", () => {
    expect(q("tailLines=x")).toEqual({ ok: false, status: 400, message: "unable to decode query" });
    expect(q("tailLines=-1")).toMatchObject({ ok: false, status: 422 });
    expect(q("limitBytes=0")).toMatchObject({ ok: false, status: 422 });
    expect(q("sinceSeconds=5&sinceTime=2024-05-01T10:00:00Z")).toMatchObject({ ok: false, status: 422 });
  });
});
