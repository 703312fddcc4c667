import { expect, test } from "bun:test";
import type { Pod } from "../pod-types.ts";
import { probeFailureKill } from "./probe-kill.ts";

const pod = (over: Partial<Pod["spec"]> = {}, meta: Partial<Pod["metadata"]> = {}): Pod => ({
  metadata: { name: "p", namespace: "ns", uid: "u", ...meta },
  spec: {
    terminationGracePeriodSeconds: 30,
    containers: [{ name: "app", livenessProbe: { exec: {}, terminationGracePeriodSeconds: 5 }, startupProbe: { exec: {} } }],
    initContainers: [{ name: "side", restartPolicy: "Always", livenessProbe: { exec: {} } }],
    ...over,
  },
});

test("kill message and grace period after a liveness or startup failure", () => {
  expect(probeFailureKill(pod(), "app", "liveness")).toEqual({ message: "Container app failed liveness probe, will be restarted", gracePeriodSeconds: 5 });
  expect(probeFailureKill(pod(), "app", "startup")).toEqual({ message: "Container app failed startup probe, will be restarted", gracePeriodSeconds: 30 });
  expect(probeFailureKill(pod({ restartPolicy: "Never" }), "app", "liveness").message).toBe("Container app failed liveness probe");
  expect(probeFailureKill(pod(), "side", "liveness")).toEqual({ message: "Init container side failed liveness probe", gracePeriodSeconds: 30 });
  expect(probeFailureKill(pod({}, { deletionGracePeriodSeconds: 7 }), "app", "liveness").gracePeriodSeconds).toBe(7);
  expect(probeFailureKill(pod({ terminationGracePeriodSeconds: undefined }), "app", "liveness").gracePeriodSeconds).toBe(2);
});
