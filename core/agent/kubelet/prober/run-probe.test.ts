import { describe, expect, test } from "bun:test";
import { CriError, GrpcCode, type CriClient } from "../../cri/types.ts";
import type { Pod } from "../pod-types.ts";
import { probeOf } from "./probe-types.ts";
import { probeContainer, runProbeHandler } from "./run-probe.ts";

const text = (s: string) => new TextEncoder().encode(s);

function setup(exec: (cmd: string[]) => Promise<{ stdout: Uint8Array; stderr: Uint8Array; exitCode: number }>) {
  let calls = 0;
  const cri = { execSync: async (_id: string, cmd: string[]) => { calls++; return exec(cmd); } } as unknown as CriClient;
  const pod: Pod = {
    metadata: { name: "web", namespace: "default", uid: "u1" },
    spec: {
      containers: [{ name: "app", env: [{ name: "FILE", value: "/tmp/healthy" }], livenessProbe: { exec: { command: ["cat", "$(FILE)"] } } }],
      initContainers: [{ name: "side", restartPolicy: "Always", readinessProbe: { tcpSocket: { port: "nosuch" } } }],
    },
  };
  const events: unknown[][] = [];
  const record = (...args: unknown[]) => { events.push(args.slice(1)); };
  return { cri, pod, events, record, calls: () => calls };
}

describe("probing a container", () => {
  test("a failure records Unhealthy with the output; the command is expanded", async () => {
    let seen: string[] = [];
    const s = setup(async (cmd) => { seen = cmd; return { stdout: text(""), stderr: text("cat: can't open '/tmp/healthy': No such file or directory\n"), exitCode: 1 }; });
    const container = s.pod.spec.containers[0]!;
    const verdict = await probeContainer("liveness", probeOf(container, "liveness")!, { pod: s.pod, container, target: { containerId: "c1", startedAt: 0 }, cri: s.cri }, s.record);
    expect(verdict).toBe("failure");
    expect(seen).toEqual(["cat", "/tmp/healthy"]);
    expect(s.events).toEqual([["Warning", "Unhealthy", "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n", "spec.containers{app}"]]);
  });

  test("success records nothing", async () => {
    const s = setup(async () => ({ stdout: text("ok"), stderr: text(""), exitCode: 0 }));
    const container = s.pod.spec.containers[0]!;
    expect(await probeContainer("liveness", probeOf(container, "liveness")!, { pod: s.pod, container, target: { containerId: "c1", startedAt: 0 }, cri: s.cri }, s.record)).toBe("success");
    expect(s.events).toEqual([]);
  });

  test("prober errors are retried 3 times, then reported as errored", async () => {
    const s = setup(async () => { throw new CriError("ExecSync", GrpcCode.NOT_FOUND, "container not found"); });
    const container = s.pod.spec.containers[0]!;
    expect(await probeContainer("liveness", probeOf(container, "liveness")!, { pod: s.pod, container, target: { containerId: "c1", startedAt: 0 }, cri: s.cri }, s.record)).toBe("error");
    expect(s.calls()).toBe(3);
    expect(s.events).toEqual([["Warning", "Unhealthy", "Liveness probe errored and resulted in unknown state: rpc error: code = NotFound desc = container not found", "spec.containers{app}"]]);
  });

  test("a port name that does not resolve is an error, reported against the init container", async () => {
    const s = setup(async () => ({ stdout: text(""), stderr: text(""), exitCode: 0 }));
    const side = s.pod.spec.initContainers![0]!;
    expect(await probeContainer("readiness", probeOf(side, "readiness")!, { pod: s.pod, container: side, target: { containerId: "c2", startedAt: 0, podIP: "127.0.0.1" }, cri: s.cri }, s.record)).toBe("error");
    expect(s.events).toEqual([["Warning", "Unhealthy", 'Readiness probe errored and resulted in unknown state: strconv.Atoi: parsing "nosuch": invalid syntax', "spec.initContainers{side}"]]);
  });

  test("a probe with no handler errors; defaults are upstream's", async () => {
    const s = setup(async () => ({ stdout: text(""), stderr: text(""), exitCode: 0 }));
    const bare = { name: "x", startupProbe: {} };
    const probe = probeOf(bare, "startup")!;
    expect([probe.timeoutSeconds, probe.periodSeconds, probe.successThreshold, probe.failureThreshold, probe.initialDelaySeconds]).toEqual([1, 10, 1, 3, 0]);
    expect(await runProbeHandler(probe, { pod: s.pod, container: bare, target: { containerId: "c", startedAt: 0 }, cri: s.cri })).toEqual({ result: "unknown", output: "", error: "missing probe handler for web_default(u1):x" });
    expect(probeOf(bare, "liveness")).toBeUndefined();
  });
});
