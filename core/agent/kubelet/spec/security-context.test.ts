import { describe, expect, test } from "bun:test";
import {
  containerSecurityContext, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, effectiveSecurityContext, namespaceOptions, parseImageUser,
  sandboxSecurityContext, seccompProfile, verifyRunAsNonRoot,
} from "./security-context.ts";
import type { Container, Pod } from "./types.ts";

const pod = (spec: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name: "p", namespace: "ns", uid: "u1" }, spec: { containers: [{ name: "c" }], ...spec } });

describe("parseImageUser (containerd's reading of the image config User)", () => {
  const cases: [string, object][] = [["", { uid: 0 }], ["0", { uid: 0 }], ["1000", { uid: 1000 }], ["1000:1000", { uid: 1000 }], ["app", { username: "app" }], ["app:grp", { username: "app" }], [":5", { uid: 0 }]];
  for (const [user, want] of cases) test(JSON.stringify(user), () => expect(parseImageUser(user)).toEqual(want));
});

describe("verifyRunAsNonRoot (upstream messages)", () => {
  const c: Container = { name: "c" };
  const nonRoot = pod({ securityContext: { runAsNonRoot: true } });
  test("not requested: anything goes", () => {
    expect(() => verifyRunAsNonRoot(pod(), c, { uid: 0 })).not.toThrow();
    expect(() => verifyRunAsNonRoot(pod({ securityContext: { runAsNonRoot: false } }), c, { uid: 0 })).not.toThrow();
  });
  test("image runs as root", () => {
    expect(() => verifyRunAsNonRoot(nonRoot, c, { uid: 0 })).toThrow('container has runAsNonRoot and image will run as root (pod: "p_ns(u1)", container: c)');
    expect(() => verifyRunAsNonRoot(nonRoot, c, parseImageUser(""))).toThrow("image will run as root");
    expect(() => verifyRunAsNonRoot(nonRoot, c, undefined)).toThrow("image will run as root");
  });
  test("image user is a name", () => {
    expect(() => verifyRunAsNonRoot(nonRoot, c, { username: "app" })).toThrow(
      'container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root (pod: "p_ns(u1)", container: c)',
    );
  });
  test("numeric non-root image user passes", () => expect(() => verifyRunAsNonRoot(nonRoot, c, { uid: 1000 })).not.toThrow());
  test("runAsUser decides when set (container over pod)", () => {
    expect(() => verifyRunAsNonRoot(pod({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } }), c, { uid: 0 })).not.toThrow();
    expect(() => verifyRunAsNonRoot(pod({ securityContext: { runAsNonRoot: true, runAsUser: 1000 } }), { name: "c", securityContext: { runAsUser: 0 } }, { uid: 1000 }))
      .toThrow('container\'s runAsUser breaks non-root policy (pod: "p_ns(u1)", container: c)');
    expect(() => verifyRunAsNonRoot(pod(), { name: "c", securityContext: { runAsNonRoot: true } }, { username: "x" })).toThrow("non-numeric user (x)");
  });
});

describe("namespaces and merge", () => {
  test("namespace modes", () => {
    expect(namespaceOptions(pod())).toEqual({ network: "POD", pid: "CONTAINER", ipc: "POD" });
    expect(namespaceOptions(pod({ hostNetwork: true, hostPID: true, hostIPC: true }))).toEqual({ network: "NODE", pid: "NODE", ipc: "NODE" });
    expect(namespaceOptions(pod({ shareProcessNamespace: true }))).toEqual({ network: "POD", pid: "POD", ipc: "POD" });
  });
  test("container settings override the pod's runAs*", () => {
    const p = pod({ securityContext: { runAsUser: 1, runAsGroup: 2, runAsNonRoot: true, fsGroup: 3 } });
    expect(effectiveSecurityContext(p, { name: "c", securityContext: { runAsUser: 10, privileged: true } })).toMatchObject({ runAsUser: 10, runAsGroup: 2, runAsNonRoot: true, privileged: true });
  });
  test("seccomp: container, then pod, else Unconfined; Localhost under the profile root", () => {
    const p = pod({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } });
    expect(seccompProfile(p, { name: "c" }, "/r")).toEqual({ profileType: "RuntimeDefault" });
    expect(seccompProfile(p, { name: "c", securityContext: { seccompProfile: { type: "Unconfined" } } }, "/r")).toEqual({ profileType: "Unconfined" });
    expect(seccompProfile(pod(), { name: "c" }, "/r")).toEqual({ profileType: "Unconfined" });
    expect(seccompProfile(pod(), { name: "c", securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "prof/a.json" } } }, "/r/")).toEqual({ profileType: "Localhost", localhostRef: "/r/prof/a.json" });
    expect(() => seccompProfile(pod(), { name: "c", securityContext: { seccompProfile: { type: "Localhost" } } }, "/r")).toThrow("localhostProfile must be set if seccompProfile type is Localhost.");
  });
});

describe("containerSecurityContext", () => {
  test("defaults: not privileged, masked/readonly paths, image uid as runAsUser", () => {
    expect(containerSecurityContext(pod(), { name: "c" }, { uid: 0 }, "/r")).toEqual({
      privileged: false, readonlyRootfs: false, noNewPrivs: false,
      namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
      seccomp: { profileType: "Unconfined" },
      maskedPaths: [...DEFAULT_MASKED_PATHS], readonlyPaths: [...DEFAULT_READONLY_PATHS],
      runAsUser: { value: 0 },
    });
  });
  test("everything set", () => {
    const p = pod({ hostPID: true, securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 5000], seccompProfile: { type: "RuntimeDefault" } } });
    const c: Container = {
      name: "c",
      securityContext: { capabilities: { add: ["NET_ADMIN"], drop: ["ALL"] }, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, procMount: "Unmasked", runAsGroup: 7 },
    };
    expect(containerSecurityContext(p, c, { username: "app" }, "/r")).toEqual({
      privileged: false, readonlyRootfs: true, noNewPrivs: true,
      namespaceOptions: { network: "POD", pid: "NODE", ipc: "POD" },
      seccomp: { profileType: "RuntimeDefault" },
      maskedPaths: [], readonlyPaths: [],
      capabilities: { addCapabilities: ["NET_ADMIN"], dropCapabilities: ["ALL"] },
      runAsUser: { value: 1000 }, runAsGroup: { value: 7 },
      supplementalGroups: [2000, 4000, 5000],
    });
  });
  test("image user by name, or unknown (left to the runtime)", () => {
    expect(containerSecurityContext(pod(), { name: "c" }, { username: "nobody" }, "/r")).toMatchObject({ runAsUsername: "nobody" });
    const unknown = containerSecurityContext(pod(), { name: "c" }, undefined, "/r");
    expect(unknown.runAsUser).toBeUndefined();
    expect(unknown.runAsUsername).toBeUndefined();
  });
  test("allowPrivilegeEscalation true or unset: no noNewPrivs; privileged passes through", () => {
    expect(containerSecurityContext(pod(), { name: "c", securityContext: { allowPrivilegeEscalation: true, privileged: true } }, { uid: 0 }, "/r")).toMatchObject({ noNewPrivs: false, privileged: true });
  });
});

describe("sandboxSecurityContext", () => {
  test("RuntimeDefault seccomp, pod runAs*, groups fsGroup first, privileged if any container is", () => {
    const p = pod({
      hostNetwork: true,
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000], seccompProfile: { type: "Unconfined" } },
      initContainers: [{ name: "i", securityContext: { privileged: true } }],
    });
    expect(sandboxSecurityContext(p)).toEqual({
      namespaceOptions: { network: "NODE", pid: "CONTAINER", ipc: "POD" },
      privileged: true,
      seccomp: { profileType: "RuntimeDefault" },
      runAsUser: { value: 1000 }, runAsGroup: { value: 3000 },
      supplementalGroups: [2000, 4000],
    });
    expect(sandboxSecurityContext(pod())).toEqual({ namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" }, privileged: false, seccomp: { profileType: "RuntimeDefault" } });
  });
});
