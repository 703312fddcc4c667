import { describe, expect, test } from "bun:test";
import { containerAnnotations, containerHash, containerLabels, sandboxAnnotations, sandboxLabels } from "./labels.ts";
import type { Pod } from "./types.ts";

const pod: Pod = {
  metadata: { name: "web", namespace: "ns", uid: "u1", labels: { app: "web", "io.kubernetes.pod.name": "spoof" }, annotations: { a: "1" }, deletionGracePeriodSeconds: 5 },
  spec: { containers: [], terminationGracePeriodSeconds: 30 },
};

describe("labels", () => {
  test("sandbox: pod labels plus identity (identity wins)", () => {
    expect(sandboxLabels(pod)).toEqual({ app: "web", "io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "ns", "io.kubernetes.pod.uid": "u1", "io.lite.kubelet": "true" });
    expect(sandboxAnnotations(pod)).toEqual({ a: "1" });
  });
  test("container: identity and container name only", () => {
    expect(containerLabels(pod, { name: "c" })).toEqual({
      "io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "ns", "io.kubernetes.pod.uid": "u1", "io.lite.kubelet": "true", "io.kubernetes.container.name": "c",
    });
  });
});

describe("containerAnnotations", () => {
  test("all of upstream's", () => {
    const c = {
      name: "c", image: "busybox", terminationMessagePath: "/dev/termination-log", terminationMessagePolicy: "File",
      lifecycle: { preStop: { exec: { command: ["sleep", "1"] } } },
      ports: [{ name: "http", containerPort: 80, protocol: "TCP" }, { containerPort: 53, protocol: "UDP", hostPort: 5353, hostIP: "127.0.0.1" }],
    };
    expect(containerAnnotations(pod, c, 3)).toEqual({
      "io.kubernetes.container.hash": containerHash(c),
      "io.kubernetes.container.restartCount": "3",
      "io.kubernetes.container.terminationMessagePath": "/dev/termination-log",
      "io.kubernetes.container.terminationMessagePolicy": "File",
      "io.kubernetes.pod.deletionGracePeriod": "5",
      "io.kubernetes.pod.terminationGracePeriod": "30",
      "io.kubernetes.container.preStopHandler": '{"exec":{"command":["sleep","1"]}}',
      "io.kubernetes.container.ports": '[{"name":"http","containerPort":80,"protocol":"TCP"},{"hostPort":5353,"containerPort":53,"protocol":"UDP","hostIP":"127.0.0.1"}]',
    });
  });
  test("optional ones absent when not set", () => {
    const bare: Pod = { metadata: { name: "p" }, spec: { containers: [] } };
    expect(Object.keys(containerAnnotations(bare, { name: "c" }, 0)).sort()).toEqual([
      "io.kubernetes.container.hash", "io.kubernetes.container.restartCount", "io.kubernetes.container.terminationMessagePath", "io.kubernetes.container.terminationMessagePolicy",
    ]);
  });
  test("hash: stable, 8 hex digits at most, changes with image or name only", () => {
    const h = containerHash({ name: "c", image: "busybox:1" });
    expect(h).toMatch(/^[0-9a-f]{1,8}$/);
    expect(containerHash({ name: "c", image: "busybox:1", args: ["x"] })).toBe(h);
    expect(containerHash({ name: "c", image: "busybox:2" })).not.toBe(h);
    expect(containerHash({ name: "d", image: "busybox:1" })).not.toBe(h);
  });
});
