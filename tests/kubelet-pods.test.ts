/**
 * The kubelet end to end: real pods on the embedded agent's containerd, driven through the
 * compiled binary and real kubectl. One server (node IP 127.0.0.1, kubelet API on an OS-assigned
 * port) serves every case; each case has its own namespace, and the independent cases run
 * concurrently (the slow ones, crash-loop back-off and volume refresh, overlap the rest). The
 * restart of lite comes last, on its own: it stops the server with the containers left running,
 * deletes a pod while no kubelet runs, drops an air-gap image into agent/images/, and starts again.
 *
 * Pods use busybox with imagePullPolicy IfNotPresent: no registry is reachable from these machines.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinResources, type ApiClient } from "@lite/sdk";
import { agentPaths } from "../core/agent/paths.ts";
import { SANDBOX_IMAGE } from "../core/agent/images/builtin-images.ts";
import { buildOciLayout, gzipLayer } from "../core/agent/images/oci-layout.ts";
import { writeTar } from "../core/agent/images/tar-writer.ts";
import { kubectl, requireBinary, runLite, scratchDir, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within } from "./harness/kube.ts";
import {
  adminClient, busyboxPod, condition, containerStatus, ctr, getPod, isRunningReady, podEvents, podEventsIncluding, runtimeContainersOf, waitForPod, type Pod,
} from "./harness/pods.ts";

setDefaultTimeout(120_000);

let SERVER_ARGS: string[];
let scratch: ReturnType<typeof scratchDir>;
let server: LiteServer;
let client: ApiClient;
let hostDir: string;

/** kubectl in a namespace. */
const k = (ns: string, args: string[], stdin?: string) => kubectl(server, ["-n", ns, ...args], { stdin, timeoutMs: 60_000 });
const create = async (ns: string, ...manifests: string[]) => { for (const m of manifests) ok(await k(ns, ["create", "-f", "-"], m)); };
const running = (ns: string, name: string, ms = 75_000) => waitForPod(client, ns, name, "Running and Ready", isRunningReady, ms);
const exec = async (ns: string, pod: string, ...command: string[]) => ok(await k(ns, ["exec", pod, "--", ...command]));
const cm = (name: string, data: Record<string, string>) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });
const secret = (name: string, data: Record<string, string>) => JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name }, stringData: data });
const SLEEP = ["sleep", "3600"];

beforeAll(async () => {
  scratch = scratchDir("lite-kubelet-");
  // A registries file that does not exist: the machine's /etc/lite/registries.yaml must not leak in.
  SERVER_ARGS = ["--node-ip", "127.0.0.1", "--kubelet-arg", "port=0", "--private-registry", `${scratch.dir}/registries.yaml`];
  hostDir = mkdtempSync(`${tmpdir()}/lite-kubelet-host-`);
  server = await startServer(SERVER_ARGS, {}, { agent: true, dataDir: scratch.dir, config: "" });
  client = adminClient(server);
  await within(30_000, async () => ((await client.list<Pod>(builtinResources.nodes)).items.some((n) => condition(n, "Ready") === "True") ? true : undefined));
});

afterAll(async () => {
  await server?.stop();
  scratch?.cleanup();
  rmSync(hostDir, { recursive: true, force: true });
});

describe.concurrent("kubelet: pods on containerd (dist/lite + kubectl)", () => {
  test("the Node: Ready, measured capacity, nodeInfo, upstream labels, a Lease renewed in kube-node-lease", async () => {
    const nodes = JSON.parse(ok(await kubectl(server, ["get", "nodes", "-o", "json"]))).items;
    expect(nodes).toHaveLength(1);
    const node = nodes[0];
    const name = node.metadata.name;
    expect(node.status.conditions.find((c: any) => c.type === "Ready")).toMatchObject({ status: "True", reason: "KubeletReady" });
    for (const type of ["MemoryPressure", "DiskPressure", "PIDPressure"]) expect(node.status.conditions.find((c: any) => c.type === type)?.status).toBe("False");
    const memTotalKi = /MemTotal:\s+(\d+) kB/.exec(readFileSync("/proc/meminfo", "utf8"))![1];
    expect(node.status.capacity).toMatchObject({ cpu: String(navigator.hardwareConcurrency), memory: `${memTotalKi}Ki`, pods: "110" });
    expect(node.status.allocatable.pods).toBe("110");
    expect(node.status.nodeInfo.kubeletVersion).toMatch(/^v1\.32\.\d+\+lite1$/);
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\/\d/);
    expect(node.status.nodeInfo).toMatchObject({ operatingSystem: "linux", architecture: "amd64" });
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
    expect(node.metadata.labels).toMatchObject({
      "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/control-plane": "true",
    });
    expect(node.spec.podCIDR).toBe("10.42.0.0/24");
    // The Lease is renewed every 10 s.
    const renewTime = async () => JSON.parse(ok(await kubectl(server, ["-n", "kube-node-lease", "get", "lease", name, "-o", "json"]))).spec;
    const first = await renewTime();
    expect(first.holderIdentity).toBe(name);
    const renewed = await within(25_000, async () => { const s = await renewTime(); return s.renewTime !== first.renewTime ? s : undefined; }, 1000);
    expect(Date.parse(renewed.renewTime)).toBeGreaterThan(Date.parse(first.renewTime));
  });

  test("[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]: kubectl run busybox → Running with the upstream status; its pod IP answers", async () => {
    const ns = await freshNamespace(server, "run");
    ok(await k(ns, ["run", "t", "--image=busybox", "--image-pull-policy=IfNotPresent", "--", "sleep", "3600"]));
    const pod = await running(ns, "t");
    const st = pod.status!;
    expect(st.podIP).toMatch(/^10\.42\.0\.\d+$/);
    expect(st.hostIP).toBe("127.0.0.1");
    expect(st.qosClass).toBe("BestEffort");
    for (const type of ["PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready", "PodScheduled"]) expect(condition(pod, type)).toBe("True");
    const cs = containerStatus(pod, "t")!;
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs.imageID).toMatch(/sha256:[0-9a-f]{64}$/);
    expect(cs).toMatchObject({ started: true, ready: true, restartCount: 0 });
    expect(cs.state.running?.startedAt).toBeTruthy();
    // The container really runs: its process is a running task in containerd.
    expect(await ctr(server, ["tasks", "ls"])).toMatch(new RegExp(`${cs.containerID!.slice("containerd://".length)}\\s+\\d+\\s+RUNNING`));

    // A web server in a pod answers on its pod IP, from the host.
    await create(ns, busyboxPod("web", { containers: [{ name: "c", command: ["sh", "-c", "mkdir /www && echo hello-from-pod > /www/index.html && exec httpd -f -p 8080 -h /www"] }] }));
    const web = await running(ns, "web");
    const body = await within(10_000, async () => { try { return await (await fetch(`http://${web.status!.podIP}:8080/`)).text(); } catch { return undefined; } });
    expect(body).toBe("hello-from-pod\n");

    ok(await k(ns, ["delete", "pod", "t", "web"]));
    expect((await k(ns, ["get", "pod", "t"])).stderr).toContain(`pods "t" not found`);
  });

  test("[sig-node] Variable Expansion should allow composing env vars into new env vars [NodeConformance] [Conformance]; [sig-node] Downward API should provide pod name, namespace and IP address as env vars [NodeConformance] [Conformance]; ConfigMap/Secrets consumable via the environment", async () => {
    const ns = await freshNamespace(server, "env");
    await create(ns, cm("cfg", { color: "blue", size: "L" }), secret("sec", { password: "s3cret", user: "admin" }));
    await create(ns, busyboxPod("env", {
      containers: [{
        name: "c",
        command: ["sh", "-c", "echo cmd=$(FOO); exec sleep 3600"],
        env: [
          { name: "FOO", value: "foo-value" },
          { name: "BAR", value: "bar-value" },
          { name: "FOOBAR", value: "$(FOO);;$(BAR)" },
          { name: "ESCAPED", value: "$$(FOO)" },
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
          { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "COLOR", valueFrom: { configMapKeyRef: { name: "cfg", key: "color" } } },
          { name: "PASSWORD", valueFrom: { secretKeyRef: { name: "sec", key: "password" } } },
        ],
        envFrom: [{ prefix: "CFG_", configMapRef: { name: "cfg" } }, { secretRef: { name: "sec" } }],
      }],
    }));
    const pod = await running(ns, "env");
    const env = Object.fromEntries((await exec(ns, "env", "env")).trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    expect(env).toMatchObject({
      FOO: "foo-value", FOOBAR: "foo-value;;bar-value", ESCAPED: "$(FOO)",
      POD_NAME: "env", POD_NAMESPACE: ns, POD_IP: pod.status!.podIP, NODE_NAME: pod.spec.nodeName,
      COLOR: "blue", PASSWORD: "s3cret", CFG_color: "blue", CFG_size: "L", user: "admin", password: "s3cret",
    });
    expect(ok(await k(ns, ["logs", "env"]))).toBe("cmd=foo-value\n");
  });

  test("a missing ConfigMap key → CreateContainerConfigError with upstream's message in describe; creating the key lets the pod start", async () => {
    const ns = await freshNamespace(server, "envkey");
    await create(ns, cm("partial", { other: "x" }));
    await create(ns, busyboxPod("p", { containers: [{ name: "c", command: SLEEP, env: [{ name: "K", valueFrom: { configMapKeyRef: { name: "partial", key: "wanted" } } }] }] }));
    await waitForPod(client, ns, "p", "CreateContainerConfigError", (p) => containerStatus(p, "c")?.state.waiting?.reason === "CreateContainerConfigError");
    const described = await within(15_000, async () => {
      const out = ok(await k(ns, ["describe", "pod", "p"]));
      return out.includes(`couldn't find key wanted in ConfigMap ${ns}/partial`) ? out : undefined;
    }, 500);
    expect(described).toContain("CreateContainerConfigError");
    ok(await k(ns, ["patch", "configmap", "partial", "-p", JSON.stringify({ data: { wanted: "now-here" } })]));
    await running(ns, "p");
    expect((await exec(ns, "p", "sh", "-c", "echo $K")).trim()).toBe("now-here");
  });

  test("volumes: [sig-storage] ConfigMap should be consumable from pods in volume with mappings and Item mode set, Secrets in volume, EmptyDir shared between containers, hostPath DirectoryOrCreate, downwardAPI labels; ConfigMap updates and labels modification reflected in volume [NodeConformance] [Conformance]", async () => {
    const ns = await freshNamespace(server, "vol");
    const hostPath = `${hostDir}/made-by-kubelet/sub`;
    await create(ns, cm("cfg", { "app.conf": "v=1\n", unused: "u" }), secret("sec", { token: "t0ps3cret" }));
    await create(ns, busyboxPod("vol", {
      containers: [
        { name: "writer", command: ["sh", "-c", "echo shared-data > /shared/msg; echo from-pod > /host/written; exec sleep 3600"],
          volumeMounts: [{ name: "shared", mountPath: "/shared" }, { name: "host", mountPath: "/host" }] },
        { name: "reader", command: SLEEP,
          volumeMounts: [{ name: "shared", mountPath: "/shared" }, { name: "cfg", mountPath: "/etc/cfg" }, { name: "sec", mountPath: "/etc/sec", readOnly: true }, { name: "info", mountPath: "/etc/podinfo" }] },
      ],
      volumes: [
        { name: "shared", emptyDir: {} },
        { name: "host", hostPath: { path: hostPath, type: "DirectoryOrCreate" } },
        { name: "cfg", configMap: { name: "cfg", items: [{ key: "app.conf", path: "conf/app.conf", mode: 0o400 }] } },
        { name: "sec", secret: { secretName: "sec" } },
        { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }, { path: "name", fieldRef: { fieldPath: "metadata.name" } }] } },
      ],
    }, { labels: { app: "vol", tier: "one" } }));
    await running(ns, "vol");
    const inReader = (script: string) => k(ns, ["exec", "vol", "-c", "reader", "--", "sh", "-c", script]).then(ok);
    expect(await inReader("cat /etc/cfg/conf/app.conf; stat -L -c %a /etc/cfg/conf/app.conf; ls /etc/cfg")).toBe("v=1\n400\nconf\n");
    expect(await inReader("cat /etc/sec/token; echo; stat -L -c %a /etc/sec/token")).toBe("t0ps3cret\n644\n");
    expect(await within(10_000, async () => { const s = await inReader("cat /shared/msg 2>/dev/null || true"); return s ? s : undefined; })).toBe("shared-data\n");
    expect(await inReader("cat /etc/podinfo/name")).toBe("vol");
    expect(await inReader("cat /etc/podinfo/labels")).toBe(`app="vol"\ntier="one"`);
    // hostPath DirectoryOrCreate: the kubelet made the directory; the pod's file is on the host.
    expect(await within(10_000, async () => existsSync(`${hostPath}/written`) ? readFileSync(`${hostPath}/written`, "utf8") : undefined)).toBe("from-pod\n");

    // Live updates: the ConfigMap's new content and the new label reach the files (kubelet refresh: every 20 s).
    ok(await k(ns, ["patch", "configmap", "cfg", "-p", JSON.stringify({ data: { "app.conf": "v=2\n" } })]));
    ok(await k(ns, ["label", "pod", "vol", "tier=two", "--overwrite"]));
    const updated = await within(70_000, async () => {
      const s = await inReader("cat /etc/cfg/conf/app.conf; echo ---; cat /etc/podinfo/labels");
      return s.includes("v=2") && s.includes(`tier="two"`) ? s : undefined;
    }, 1000);
    expect(updated).toBe(`v=2\n---\napp="vol"\ntier="two"`);
  });

  test("[sig-auth] ServiceAccounts should mount projected service account token [Conformance]: the token is accepted by the API (TokenReview)", async () => {
    const ns = await freshNamespace(server, "sa");
    await create(ns, busyboxPod("sa", { containers: [{ name: "c", command: SLEEP }] }));
    await running(ns, "sa");
    const dir = "/var/run/secrets/kubernetes.io/serviceaccount";
    expect((await exec(ns, "sa", "ls", dir)).split("\n").filter(Boolean).sort()).toEqual(["ca.crt", "namespace", "token"]);
    expect(await exec(ns, "sa", "cat", `${dir}/namespace`)).toBe(ns);
    expect(await exec(ns, "sa", "cat", `${dir}/ca.crt`)).toContain("-----BEGIN CERTIFICATE-----");
    const token = await exec(ns, "sa", "cat", `${dir}/token`);
    expect(token.split(".")).toHaveLength(3);
    const review = JSON.parse(ok(await kubectl(server, ["create", "-o", "json", "-f", "-"], {
      stdin: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } }),
    })));
    expect(review.status.authenticated).toBe(true);
    expect(review.status.user.username).toBe(`system:serviceaccount:${ns}:default`);
    expect(review.status.user.extra?.["authentication.kubernetes.io/pod-name"]).toEqual(["sa"]);
  });

  test("an invalid hostPath type → FailedMount event with upstream's text; the pod does not start", async () => {
    const ns = await freshNamespace(server, "hostpath");
    const file = `${hostDir}/a-file`;
    writeFileSync(file, "x");
    await create(ns, busyboxPod("bad", { containers: [{ name: "c", command: SLEEP, volumeMounts: [{ name: "h", mountPath: "/h" }] }], volumes: [{ name: "h", hostPath: { path: file, type: "Directory" } }] }));
    const described = await within(20_000, async () => {
      const out = ok(await k(ns, ["describe", "pod", "bad"]));
      return out.includes("FailedMount") ? out : undefined;
    }, 500);
    expect(described).toContain(`MountVolume.SetUp failed for volume "h" : hostPath type check failed: ${file} is not a directory`);
    const pod = (await getPod(client, ns, "bad"))!;
    expect(pod.status?.phase).toBe("Pending");
    expect(containerStatus(pod, "c")?.state.waiting?.reason).toBe("ContainerCreating");
  });

  test("[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartAlways pod [Conformance]: in order, before the app container", async () => {
    const ns = await freshNamespace(server, "init");
    const mount = [{ name: "w", mountPath: "/w" }];
    await create(ns, busyboxPod("init", {
      initContainers: [
        { name: "init1", command: ["sh", "-c", "echo init1 >> /w/order"], volumeMounts: mount },
        { name: "init2", command: ["sh", "-c", "grep -q init1 /w/order && echo init2 >> /w/order"], volumeMounts: mount },
      ],
      containers: [{ name: "app", command: ["sh", "-c", "echo app >> /w/order; cat /w/order; exec sleep 3600"], volumeMounts: mount }],
      volumes: [{ name: "w", emptyDir: {} }],
    }));
    const pod = await running(ns, "init");
    for (const name of ["init1", "init2"]) {
      const cs = containerStatus(pod, name)!;
      expect(cs.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
      expect(cs.ready).toBe(true);
    }
    expect(condition(pod, "Initialized")).toBe("True");
    expect(await within(10_000, async () => { const l = ok(await k(ns, ["logs", "init", "-c", "app"])); return l.includes("app") ? l : undefined; })).toBe("init1\ninit2\napp\n");
  });

  test("[sig-node] Container Runtime blackbox test when starting a container that exits should run with the expected status; on terminated container should report termination message from log output if TerminationMessagePolicy FallbackToLogsOnError is set, and if TerminationMessagePath is set as non-root user and at a non-default path [NodeConformance] [Conformance]", async () => {
    const ns = await freshNamespace(server, "exit");
    await create(ns,
      busyboxPod("ok", { restartPolicy: "Never", containers: [{ name: "c", command: ["sh", "-c", "printf 'all good' > /dev/termination-log; exit 0"] }] }),
      busyboxPod("fail", { restartPolicy: "Never", containers: [{ name: "c", command: ["sh", "-c", "printf DONE; exit 1"], terminationMessagePolicy: "FallbackToLogsOnError" }] }),
      busyboxPod("custom", { restartPolicy: "Never", containers: [{ name: "c", command: ["sh", "-c", "printf DONE > /dev/termination-custom-log"], terminationMessagePath: "/dev/termination-custom-log", securityContext: { runAsUser: 1000 } }] }),
    );
    const succeeded = await waitForPod(client, ns, "ok", "Succeeded", (p) => p.status?.phase === "Succeeded");
    expect(containerStatus(succeeded, "c")!.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed", message: "all good" });
    expect(condition(succeeded, "Ready")).toBe("False");
    const failed = await waitForPod(client, ns, "fail", "Failed", (p) => p.status?.phase === "Failed");
    expect(containerStatus(failed, "c")!.state.terminated).toMatchObject({ exitCode: 1, reason: "Error", message: "DONE" });
    expect(containerStatus(failed, "c")!.restartCount).toBe(0);
    const custom = await waitForPod(client, ns, "custom", "Succeeded", (p) => p.status?.phase === "Succeeded");
    expect(containerStatus(custom, "c")!.state.terminated?.message).toBe("DONE");
  });

  test("[sig-node] Kubelet when scheduling a busybox command that always fails in a pod: CrashLoopBackOff, restartCount ≥ 2, `logs --previous` shows the last run", async () => {
    const ns = await freshNamespace(server, "crash");
    // Each run numbers itself (the count survives restarts in an emptyDir).
    await create(ns, busyboxPod("crash", {
      containers: [{ name: "c", command: ["sh", "-c", "n=$(( $(cat /d/n 2>/dev/null || echo 0) + 1 )); echo $n > /d/n; echo run-$n; exit 1"], volumeMounts: [{ name: "d", mountPath: "/d" }] }],
      volumes: [{ name: "d", emptyDir: {} }],
    }));
    // The first restart is immediate, the next after a 10 s back-off (then 20 s, 40 s, …).
    const pod = await waitForPod(client, ns, "crash", "crash-looping with 2 restarts", (p) => {
      const cs = containerStatus(p, "c");
      return (cs?.restartCount ?? 0) >= 2 && cs?.state.waiting?.reason === "CrashLoopBackOff";
    });
    const cs = containerStatus(pod, "c")!;
    expect(cs.state.waiting?.message).toMatch(/^back-off \d+s restarting failed container=c pod=crash_/);
    expect(cs.lastState?.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(pod.status?.phase).toBe("Running");
    // In back-off, `--previous` shows the run the status names as lastState: the last one (restartCount + 1).
    // Asked while the status holds still (back-off lasts 10 s and more), so every cache agrees.
    const checked = await within(60_000, async () => {
      const key = (p: Pod | undefined) => { const c = p && containerStatus(p, "c"); return c?.state.waiting ? `${c.restartCount}/${c.lastState?.terminated?.containerID}` : undefined; };
      const before = key(await getPod(client, ns, "crash"));
      await Bun.sleep(2000);
      if (!before || key(await getPod(client, ns, "crash")) !== before) return undefined;
      const previous = ok(await k(ns, ["logs", "crash", "--previous"]));
      return key(await getPod(client, ns, "crash")) === before ? { previous, restartCount: Number(before.split("/")[0]) } : undefined;
    }, 500);
    expect(checked.previous).toBe(`run-${checked.restartCount + 1}\n`);
    // Events are written in the background: they may trail the status this test waited for.
    const backOff = (events: string[]) => events.some((e) => e.startsWith("BackOff: Back-off restarting failed container c in pod crash_"));
    const events = await within(15_000, async () => { const e = await podEvents(client, ns, "crash"); return backOff(e) ? e : undefined; }, 250).catch(() => podEvents(client, ns, "crash"));
    expect(backOff(events)).toBe(true);
  });

  test("a container over its memory limit is OOMKilled (reason OOMKilled, exit code 137)", async () => {
    const ns = await freshNamespace(server, "oom");
    await create(ns, busyboxPod("oom", {
      restartPolicy: "Never",
      containers: [{ name: "c", command: ["sh", "-c", `a=$(head -c 60000000 /dev/zero | tr "\\0" x); sleep 1`], resources: { limits: { memory: "20Mi" } } }],
    }));
    const pod = await waitForPod(client, ns, "oom", "Failed", (p) => p.status?.phase === "Failed");
    expect(containerStatus(pod, "c")!.state.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    expect(pod.status?.qosClass).toBe("Burstable");
  });

  test("[sig-node] Pod ephemeral-storage: an emptyDir over its sizeLimit gets the pod evicted (Failed/Evicted, upstream's message and event) within the eviction loop", async () => {
    const ns = await freshNamespace(server, "evict-emptydir");
    await create(ns, busyboxPod("full", {
      containers: [{ name: "c", command: ["sh", "-c", "dd if=/dev/zero of=/scratch/fill bs=1048576 count=3 && exec sleep 3600"], volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }],
      volumes: [{ name: "scratch", emptyDir: { sizeLimit: "1Mi" } }],
    }));
    const message = 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ';
    // Running first, then the eviction loop (every 10 s) notices within a period or two.
    const pod = await waitForPod(client, ns, "full", "Failed/Evicted", (p) => p.status?.phase === "Failed", 45_000);
    expect(pod.status).toMatchObject({ phase: "Failed", reason: "Evicted", message });
    expect(condition(pod, "DisruptionTarget")).toBeUndefined(); // upstream sets none for local storage limits
    expect(await podEventsIncluding(client, ns, "full", [`Evicted: ${message}`])).toContain(`Evicted: ${message}`);
    ok(await k(ns, ["delete", "pod", "full", "--wait=false"]));
  });

  test("[sig-node] Probing container: exec readiness flips Ready False/True; httpGet readiness on busybox httpd", async () => {
    const ns = await freshNamespace(server, "ready");
    await create(ns,
      busyboxPod("exec", { containers: [{ name: "c", command: SLEEP, readinessProbe: { exec: { command: ["cat", "/tmp/ready"] }, periodSeconds: 1, timeoutSeconds: 10, failureThreshold: 1 } }] }),
      busyboxPod("http", { containers: [{ name: "c", command: ["sh", "-c", "mkdir /www && exec httpd -f -p 8080 -h /www"], readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 1, timeoutSeconds: 10, failureThreshold: 1 } }] }),
    );
    const notReady = (p: Pod) => p.status?.phase === "Running" && condition(p, "Ready") === "False";
    await waitForPod(client, ns, "exec", "running, not ready", notReady);
    await Bun.sleep(2000);
    expect(condition((await getPod(client, ns, "exec"))!, "Ready")).toBe("False");
    await exec(ns, "exec", "touch", "/tmp/ready");
    const ready = await running(ns, "exec", 15_000);
    expect(containerStatus(ready, "c")).toMatchObject({ ready: true, restartCount: 0 });
    await exec(ns, "exec", "rm", "/tmp/ready");
    const unready = await waitForPod(client, ns, "exec", "not ready again", notReady, 15_000);
    expect(condition(unready, "ContainersReady")).toBe("False");
    expect(containerStatus(unready, "c")!.restartCount).toBe(0); // readiness never restarts

    // httpGet: 404 until the page exists.
    await waitForPod(client, ns, "http", "running, not ready", notReady);
    await exec(ns, "http", "sh", "-c", "echo ok > /www/healthz");
    await running(ns, "http", 15_000);
  });

  test("[sig-node] Probing container should be restarted with a exec \"cat /tmp/health\" liveness probe [NodeConformance] [Conformance]; and *not* restarted while it succeeds", async () => {
    const ns = await freshNamespace(server, "live");
    // A generous timeout: on a loaded machine an exec may take seconds, and a timed-out probe fails.
    const probe = { exec: { command: ["cat", "/tmp/health"] }, periodSeconds: 1, timeoutSeconds: 10, failureThreshold: 1 };
    await create(ns,
      busyboxPod("dies", { containers: [{ name: "c", command: ["sh", "-c", "touch /tmp/health; sleep 4; rm -f /tmp/health; exec sleep 3600"], livenessProbe: probe }] }),
      busyboxPod("lives", { containers: [{ name: "c", command: ["sh", "-c", "touch /tmp/health; exec sleep 3600"], livenessProbe: { ...probe, initialDelaySeconds: 5 } }] }),
    );
    const restarted = await waitForPod(client, ns, "dies", "restarted once", (p) => (containerStatus(p, "c")?.restartCount ?? 0) >= 1);
    expect(containerStatus(restarted, "c")!.lastState?.terminated?.exitCode).toBeGreaterThan(0);
    const events = await podEventsIncluding(client, ns, "dies", ["Killing: Container c failed liveness probe, will be restarted"]);
    expect(events).toContain("Killing: Container c failed liveness probe, will be restarted");
    expect(events.some((e) => e.startsWith("Unhealthy: Liveness probe failed"))).toBe(true);
    await running(ns, "lives");
    await Bun.sleep(3000);
    expect(containerStatus((await getPod(client, ns, "lives"))!, "c")!.restartCount, JSON.stringify(await podEvents(client, ns, "lives"))).toBe(0);
  });

  test("bad input: a nonexistent image → ErrImagePull/ImagePullBackOff with the runtime's message; a bad command → StartError; the kubelet keeps working", async () => {
    const ns = await freshNamespace(server, "bad");
    await create(ns,
      busyboxPod("noimage", { containers: [{ name: "c", image: "127.0.0.1:1/nope:1", imagePullPolicy: "Always" }] }),
      busyboxPod("nocmd", { containers: [{ name: "c", command: ["/nonexistent"] }] }),
    );
    const pulled = await waitForPod(client, ns, "noimage", "failing to pull", (p) => ["ErrImagePull", "ImagePullBackOff"].includes(containerStatus(p, "c")?.state.waiting?.reason ?? ""));
    expect(pulled.status?.phase).toBe("Pending");
    // The Failed event can trail the status: wait for it in describe's Events.
    const described = await within(15_000, async () => { const d = ok(await k(ns, ["describe", "pod", "noimage"])); return d.includes("Failed to pull image") ? d : undefined; }, 500)
      .catch(async () => ok(await k(ns, ["describe", "pod", "noimage"])));
    expect(described).toContain(`Failed to pull image "127.0.0.1:1/nope:1": `);
    expect(described).toContain("connect: connection refused");
    expect(described).toMatch(/ErrImagePull|ImagePullBackOff/);

    const started = await waitForPod(client, ns, "nocmd", "failed to start", (p) => {
      const cs = containerStatus(p, "c");
      return (cs?.state.terminated ?? cs?.lastState?.terminated)?.reason === "StartError";
    });
    const t = containerStatus(started, "c")!;
    expect((t.state.terminated ?? t.lastState!.terminated)!.message).toContain(`exec: "/nonexistent": stat /nonexistent: no such file or directory`);
    expect(ok(await k(ns, ["describe", "pod", "nocmd"]))).toContain("StartError");
    // Restarts of a container that cannot start back off as crashes do (10 s, then 20 s, …).
    await Bun.sleep(5000);
    const later = containerStatus((await getPod(client, ns, "nocmd"))!, "c")!;
    expect(later.restartCount).toBeLessThanOrEqual(2);

    await create(ns, busyboxPod("fine", { containers: [{ name: "c", command: SLEEP }] }));
    await running(ns, "fine");
  });

  test("RuntimeClass handlers reach containerd (upstream node e2e 'should run a Pod requesting a RuntimeClass with a configured handler' and 'should reject ... with an unconfigured handler')", async () => {
    const ns = await freshNamespace(server, "rtclass");
    const rc = (name: string, handler: string) => JSON.stringify({ apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", metadata: { name }, handler });
    const [good, bad] = [`${ns}-runc`, `${ns}-missing`];
    ok(await kubectl(server, ["create", "-f", "-"], { stdin: rc(good, "runc") }));
    ok(await kubectl(server, ["create", "-f", "-"], { stdin: rc(bad, "lite-no-such-handler") }));
    try {
      await create(ns, busyboxPod("configured", { runtimeClassName: good, containers: [{ name: "c", command: SLEEP }] }));
      await create(ns, busyboxPod("unconfigured", { runtimeClassName: bad, containers: [{ name: "c", command: SLEEP }] }));
      await running(ns, "configured");
      const failed = await within(30_000, async () => (await podEvents(client, ns, "unconfigured")).find((e) => e.startsWith("FailedCreatePodSandBox: ")), 500);
      expect(failed).toMatch(/^FailedCreatePodSandBox: Failed to create pod sandbox: .*no runtime for "lite-no-such-handler" is configured/);
      expect((await getPod(client, ns, "unconfigured"))?.status?.phase).toBe("Pending");
    } finally {
      await kubectl(server, ["delete", "runtimeclass", good, bad]);
    }
  });

  test("[sig-node] PreStop should call prestop when killing a pod [Conformance]: graceful delete runs the hook, SIGTERM ends the container; pod and containers are gone", async () => {
    const ns = await freshNamespace(server, "delete");
    const dir = `${hostDir}/prestop-${ns}`;
    mkdirSync(dir);
    await create(ns, busyboxPod("graceful", {
      terminationGracePeriodSeconds: 30,
      containers: [{ name: "c", command: ["sh", "-c", "trap 'echo got-TERM; exit 0' TERM; while :; do sleep 1; done"], volumeMounts: [{ name: "h", mountPath: "/h" }],
        lifecycle: { preStop: { exec: { command: ["sh", "-c", "echo prestop-ran > /h/prestop"] } } } }],
      volumes: [{ name: "h", hostPath: { path: dir, type: "Directory" } }],
    }));
    const pod = await running(ns, "graceful");
    const uid = pod.metadata.uid!;
    const id = containerStatus(pod, "c")!.containerID!.slice("containerd://".length);
    expect(await runtimeContainersOf(server, uid)).toHaveLength(2); // the sandbox and the container
    // Every status the pod goes through until it is gone (the kubelet's final one included).
    const abort = new AbortController();
    const seen: Pod[] = [];
    const watching = (async () => {
      for await (const e of client.watch<Pod>({ ...builtinResources.pods, namespace: ns }, { fieldSelector: "metadata.name=graceful", resourceVersion: pod.metadata.resourceVersion, signal: abort.signal })) {
        seen.push(e.object);
        if (e.type === "DELETED") return;
      }
    })();
    const started = Date.now();
    try {
      ok(await k(ns, ["delete", "pod", "graceful"]));
      await Promise.race([watching, Bun.sleep(10_000)]);
    } finally {
      abort.abort();
    }
    expect(Date.now() - started).toBeLessThan(30_000); // not the whole grace period
    expect(readFileSync(`${dir}/prestop`, "utf8")).toBe("prestop-ran\n");
    // The trap ran: SIGTERM ended the container (exit 0), not the SIGKILL at the end of the grace period (137).
    const last = containerStatus(seen.at(-1)!, "c")!;
    expect(last.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect((await k(ns, ["get", "pod", "graceful"])).stderr).toContain(`pods "graceful" not found`);
    expect(await ctr(server, ["tasks", "ls"])).not.toContain(id);
    expect(await within(10_000, async () => (await runtimeContainersOf(server, uid)).length === 0 ? true : undefined)).toBe(true);
    const events = await podEventsIncluding(client, ns, "graceful", ["Killing: Stopping container c"]);
    expect(events).toContain("Killing: Stopping container c");
  });

  test("[sig-apps] Deployment: 3 replicas become Available (controllers, scheduler and kubelet together)", async () => {
    const ns = await freshNamespace(server, "deploy");
    await create(ns, JSON.stringify({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" },
      spec: {
        replicas: 3, selector: { matchLabels: { app: "d" } },
        template: { metadata: { labels: { app: "d" } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent", command: SLEEP }] } },
      },
    }));
    ok(await k(ns, ["wait", "--for=condition=Available", "deployment/d", "--timeout=60s"]));
    const d = JSON.parse(ok(await k(ns, ["get", "deployment", "d", "-o", "json"])));
    expect(d.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3 });
    const pods = JSON.parse(ok(await k(ns, ["get", "pods", "-l", "app=d", "-o", "json"]))).items as Pod[];
    expect(pods.filter(isRunningReady)).toHaveLength(3);
    expect(new Set(pods.map((p) => p.status!.podIP)).size).toBe(3);
  });
});

describe("lite crictl on the real runtime (serial: rmi --prune must not race the other cases)", () => {
  test("ps --name -q, exec (output and exit code), stats -o json, rmi --prune keeps images in use and the pause image", async () => {
    const crictl = (...args: string[]) => runLite(["crictl", "-d", scratch.dir, ...args], {}, 30_000);
    const ns = await freshNamespace(server, "crictl");
    await create(ns, busyboxPod("cri", { containers: [{ name: "crictl-c", command: SLEEP }] }));
    const pod = await running(ns, "cri");
    const id = containerStatus(pod, "crictl-c")!.containerID!.slice("containerd://".length);

    const ps = await crictl("ps", "--name", "^crictl-c$", "-q");
    expect(ps.stdout).toBe(`${id}\n`);
    expect(await crictl("exec", id, "echo", "hi")).toEqual({ code: 0, stdout: "hi\n", stderr: "" });
    expect((await crictl("exec", id, "sh", "-c", "exit 3")).code).toBe(3);
    const cat = Bun.spawn([requireBinary(), "crictl", "-d", scratch.dir, "exec", "-i", id, "cat"], { stdin: new TextEncoder().encode("via stdin\n"), stdout: "pipe", stderr: "pipe", timeout: 30_000 });
    expect([await new Response(cat.stdout).text(), await cat.exited]).toEqual(["via stdin\n", 0]);
    const stats = JSON.parse((await crictl("stats", "--id", id, "-o", "json")).stdout).stats;
    expect(stats).toHaveLength(1);
    expect(Number(stats[0].cpu.usageCoreNanoSeconds.value)).toBeGreaterThan(0);
    expect(Number(stats[0].memory.workingSetBytes.value)).toBeGreaterThan(0);

    // An image no container uses (its own config, so its own ID), imported next to busybox and pause.
    const unused = "lite.test/crictl-unused:1";
    const layout = buildOciLayout([{ name: unused, config: { Env: [`RANDOM=${Math.random()}`] }, layers: [gzipLayer(writeTar([{ type: "file", name: "hello", data: new TextEncoder().encode("hi") }]))] }]);
    writeFileSync(`${hostDir}/unused.tar`, layout.tar);
    ok(await runLite(["images", "import", `${hostDir}/unused.tar`, "--data-dir", scratch.dir]));
    expect(JSON.parse((await crictl("images", "-o", "json")).stdout).images.map((i: { repoTags: string[] }) => i.repoTags).flat()).toContain(unused);
    const prune = await crictl("rmi", "--prune");
    expect(prune.code).toBe(0);
    expect(prune.stdout).toContain(`Deleted: ${unused}\n`);
    const after = (await crictl("images")).stdout;
    expect(after).not.toContain("lite.test/crictl-unused");
    expect(after).toContain("docker.io/library/busybox");
    expect(after).toContain(SANDBOX_IMAGE.split(":")[0]!);
  });
});

describe("kubelet: restart of lite (serial)", () => {
  test("running pods are adopted (same containerID, 0 restarts); a pod deleted while the kubelet was down is cleaned up; an air-gap image in agent/images/ is imported", async () => {
    const ns = await freshNamespace(server, "restart");
    await create(ns, busyboxPod("keep", { containers: [{ name: "c", command: SLEEP }] }), busyboxPod("gone", { containers: [{ name: "c", command: SLEEP }] }));
    const keep = await running(ns, "keep");
    const gone = await running(ns, "gone");
    const keepStatus = containerStatus(keep, "c")!;
    const goneUid = gone.metadata.uid!;
    expect(await runtimeContainersOf(server, goneUid)).toHaveLength(2);

    // An air-gap image (docker-archive, under its own name), placed while lite is down.
    const images = agentPaths(scratch.dir).imagesDir;
    mkdirSync(images, { recursive: true });
    const builtin = readdirSync(agentPaths(scratch.dir).builtinImagesDir).find((f) => f.endsWith(".tar"))!;
    const copy = Bun.spawnSync(["skopeo", "copy", "--quiet", `oci-archive:${agentPaths(scratch.dir).builtinImagesDir}/${builtin}:latest`, `docker-archive:${images}/airgap.tar:lite.test/airgap:1`], { stderr: "pipe" });
    expect(copy.stderr.toString()).toBe("");
    expect(copy.exitCode).toBe(0);

    const port = Number(/apiPort=(\d+)/.exec(server.logs())![1]);
    await server.stop({ keepContainers: true });
    // The API without any kubelet: the pod is force-deleted, its containers stay behind.
    server = await startServer(SERVER_ARGS, {}, { agent: false, dataDir: scratch.dir, port });
    ok(await k(ns, ["delete", "pod", "gone", "--force", "--grace-period=0"]));
    await server.stop();

    server = await startServer(SERVER_ARGS, {}, { agent: true, dataDir: scratch.dir, port });
    client = adminClient(server);
    await within(30_000, async () => (await runtimeContainersOf(server, goneUid)).length === 0 ? true : undefined, 500);
    const adopted = await running(ns, "keep");
    const after = containerStatus(adopted, "c")!;
    expect(after.containerID).toBe(keepStatus.containerID!);
    expect(after.restartCount).toBe(0);
    expect(after.state.running?.startedAt).toBe(keepStatus.state.running!.startedAt!);
    expect(adopted.status?.podIP).toBe(keep.status!.podIP!);

    const listed = await runLite(["images", "ls", "--data-dir", scratch.dir]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("lite.test/airgap:1");
    await create(ns, busyboxPod("airgap", { containers: [{ name: "c", image: "lite.test/airgap:1", imagePullPolicy: "Never", command: SLEEP }] }));
    await running(ns, "airgap");
    expect(await exec(ns, "airgap", "echo", "from-airgap")).toBe("from-airgap\n");
  });
});
