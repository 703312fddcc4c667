import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Pod as KubeletPod } from "../pod-types.ts";
import { buildContainerConfig, type ContainerOptions } from "./container.ts";
import { ContainerConfigError } from "./errors.ts";
import { DEFAULT_MASKED_PATHS } from "./security-context.ts";
import type { Container, Pod } from "./types.ts";

const GiB = 1024 ** 3;
let root: string;
let n = 0;
beforeAll(() => { root = mkdtempSync(`${tmpdir()}/lite-container-`); });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const podDir = () => {
  const d = `${root}/pod-${n++}`;
  mkdirSync(d);
  return d;
};

const app: Container = {
  name: "app",
  image: "busybox",
  command: ["sh", "-c"],
  args: ["echo $(GREETING) from $(POD_NAME); echo $$(GREETING)"],
  workingDir: "/work",
  terminationMessagePath: "/dev/termination-log",
  terminationMessagePolicy: "File",
  resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
  stdin: true,
  tty: true,
};
const pod = (spec: Partial<Pod["spec"]> = {}, containers: Container[] = [app]): Pod => ({
  metadata: { name: "web", namespace: "ns", uid: "u1" },
  spec: { containers, terminationGracePeriodSeconds: 30, ...spec },
});
const opts = (over: Partial<ContainerOptions> = {}): ContainerOptions => ({
  restartCount: 2,
  env: [{ key: "GREETING", value: "hello" }, { key: "POD_NAME", value: "web" }],
  mounts: [{ containerPath: "/data", hostPath: "/srv/data", readonly: true }],
  logPath: "app/2.log",
  podDir: podDir(),
  podIPs: ["10.42.0.9"],
  clusterDomain: "cluster.local",
  nodeMemoryCapacity: 4 * GiB,
  imageUser: "",
  ...over,
});

describe("buildContainerConfig", () => {
  test("a full config", () => {
    const o = opts();
    const config = buildContainerConfig(pod(), app, o);
    const term = readdirSync(`${o.podDir}/containers/app`);
    expect(term).toHaveLength(1);
    expect(term[0]).toMatch(/^[0-9a-f]{8}$/);
    expect(config).toEqual({
      metadata: { name: "app", attempt: 2 },
      image: { image: "busybox" },
      command: ["sh", "-c"],
      args: ["echo hello from web; echo $(GREETING)"],
      workingDir: "/work",
      envs: [{ key: "GREETING", value: "hello" }, { key: "POD_NAME", value: "web" }],
      mounts: [
        { containerPath: "/data", hostPath: "/srv/data", readonly: true },
        { containerPath: "/etc/hosts", hostPath: `${o.podDir}/etc-hosts`, readonly: false },
        { containerPath: "/dev/termination-log", hostPath: `${o.podDir}/containers/app/${term[0]}` },
      ],
      labels: { "io.kubernetes.pod.name": "web", "io.kubernetes.pod.namespace": "ns", "io.kubernetes.pod.uid": "u1", "io.lite.kubelet": "true", "io.kubernetes.container.name": "app" },
      annotations: expect.objectContaining({ "io.kubernetes.container.restartCount": "2", "io.kubernetes.pod.terminationGracePeriod": "30", "io.kubernetes.container.terminationMessagePath": "/dev/termination-log" }),
      logPath: "app/2.log",
      stdin: true,
      stdinOnce: false,
      tty: true,
      linux: {
        resources: { cpuShares: 102, cpuPeriod: 100000, cpuQuota: 20000, memoryLimitInBytes: 134217728, oomScoreAdj: 985 },
        securityContext: {
          privileged: false, readonlyRootfs: false, noNewPrivs: false,
          namespaceOptions: { network: "POD", pid: "CONTAINER", ipc: "POD" },
          seccomp: { profileType: "Unconfined" },
          maskedPaths: [...DEFAULT_MASKED_PATHS], readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
          runAsUser: { value: 0 },
        },
      },
    });
    expect(readFileSync(`${o.podDir}/etc-hosts`, "utf8")).toEndWith("10.42.0.9\tweb\n");
    const file = `${o.podDir}/containers/app/${term[0]}`;
    expect(statSync(file).mode & 0o777).toBe(0o666);
    expect(statSync(file).size).toBe(0);
  });

  test("each call (restart) gets its own termination message file", () => {
    const o = opts();
    buildContainerConfig(pod(), app, o);
    buildContainerConfig(pod(), app, { ...o, restartCount: 3 });
    expect(readdirSync(`${o.podDir}/containers/app`)).toHaveLength(2);
  });

  test("no /etc/hosts before the pod has IPs, nor when the container mounts its own", () => {
    const noIPs = opts({ podIPs: [] });
    expect(buildContainerConfig(pod(), app, noIPs).mounts?.map((m) => m.containerPath)).toEqual(["/data", "/dev/termination-log"]);
    expect(existsSync(`${noIPs.podDir}/etc-hosts`)).toBe(false);
    const own: Container = { ...app, volumeMounts: [{ name: "h", mountPath: "/etc/hosts" }] };
    expect(buildContainerConfig(pod({}, [own]), own, opts()).mounts?.map((m) => m.containerPath)).toEqual(["/data", "/dev/termination-log"]);
    const given = opts({ mounts: [{ containerPath: "/etc/hosts", hostPath: "/srv/hosts" }] });
    expect(buildContainerConfig(pod(), app, given).mounts?.filter((m) => m.containerPath === "/etc/hosts")).toEqual([{ containerPath: "/etc/hosts", hostPath: "/srv/hosts" }]);
  });

  test("hostNetwork: /etc/hosts copied from the node's file", () => {
    const o = opts({ podIPs: [], nodeHostsPath: "/etc/hosts" });
    buildContainerConfig(pod({ hostNetwork: true }), app, o);
    expect(readFileSync(`${o.podDir}/etc-hosts`, "utf8")).toStartWith("# Kubernetes-managed hosts file (host network).\n");
  });

  test("no terminationMessagePath: no file, no mount; no command: empty lists", () => {
    const bare: Container = { name: "bare", image: "busybox" };
    const o = opts({ mounts: [] });
    const config = buildContainerConfig(pod({}, [bare]), bare, o);
    expect(config.mounts?.map((m) => m.containerPath)).toEqual(["/etc/hosts"]);
    expect(existsSync(`${o.podDir}/containers`)).toBe(false);
    expect([config.command, config.args, config.workingDir]).toEqual([[], [], undefined]);
  });

  test("image user: numeric, named, or unknown", () => {
    expect(buildContainerConfig(pod(), app, opts({ imageUser: "1000:1000" })).linux?.securityContext?.runAsUser).toEqual({ value: 1000 });
    expect(buildContainerConfig(pod(), app, opts({ imageUser: { username: "nobody" } })).linux?.securityContext?.runAsUsername).toBe("nobody");
    expect(buildContainerConfig(pod(), app, opts({ imageUser: undefined })).linux?.securityContext?.runAsUser).toBeUndefined();
  });

  test("runAsNonRoot violations are CreateContainerConfigError", () => {
    const p = pod({ securityContext: { runAsNonRoot: true } });
    let err: unknown;
    try {
      buildContainerConfig(p, app, opts({ imageUser: "" }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as ContainerConfigError).reason).toBe("CreateContainerConfigError");
    expect((err as Error).message).toBe('container has runAsNonRoot and image will run as root (pod: "web_ns(u1)", container: app)');
    expect(() => buildContainerConfig(p, app, opts({ imageUser: "app" }))).toThrow("container has runAsNonRoot and image has non-numeric user (app), cannot verify user is non-root");
    expect(() => buildContainerConfig(p, app, opts({ imageUser: "65534" }))).not.toThrow();
  });

  test("a bad hostname is CreateContainerConfigError too", () => {
    expect(() => buildContainerConfig(pod({ hostname: "BAD" }), app, opts())).toThrow(ContainerConfigError);
  });

  test("Localhost seccomp resolves under the profile root (default /var/lib/kubelet/seccomp)", () => {
    const c: Container = { ...app, securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "audit.json" } } };
    expect(buildContainerConfig(pod({}, [c]), c, opts()).linux?.securityContext?.seccomp).toEqual({ profileType: "Localhost", localhostRef: "/var/lib/kubelet/seccomp/audit.json" });
    expect(buildContainerConfig(pod({}, [c]), c, opts({ seccompProfileRoot: "/x" })).linux?.securityContext?.seccomp?.localhostRef).toBe("/x/audit.json");
  });

  test("accepts the kubelet's own Pod type", () => {
    const kp: KubeletPod = { metadata: { name: "k", namespace: "ns", uid: "u" }, spec: { containers: [{ name: "c", image: "busybox", ports: [{ containerPort: 80 }] }] } };
    const config = buildContainerConfig(kp, kp.spec.containers[0]!, opts({ podIPs: [] }));
    expect(config.metadata.name).toBe("c");
  });
});
