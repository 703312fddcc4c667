/**
 * Local storage end to end through the compiled binary, real containerd and real kubectl, on a lite
 * server in a network namespace of its own (tests/harness/netns.ts): the local-path StorageClass, a
 * claim bound when its pod is scheduled, data kept across pod deletion and a lite restart (a plain
 * pod and a StatefulSet's volumeClaimTemplates), the volume and its directory gone with the claim;
 * generic ephemeral volumes;
 * then a restart with `--disable=local-storage`: the plugin Disabled, its StorageClass removed, and a
 * replacement class deployable under the same name.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, rmSync } from "node:fs";
import type { ApiClient, KubeObject } from "@lite/sdk";
import { adminGet, kubectl, scratchDir, startServer, type LiteServer } from "./harness/lite-process.ts";
import { freshNamespace, ok, within } from "./harness/kube.ts";
import { createTestNetns, type TestNetns } from "./harness/netns.ts";
import { adminClient, busyboxPod, isRunningReady, waitForPod } from "./harness/pods.ts";

setDefaultTimeout(300_000);

type Obj = KubeObject & { spec?: any; status?: any };
let net: TestNetns;
let server: LiteServer;
let client: ApiClient;
let scratch: ReturnType<typeof scratchDir>;
let port = 0;
const args = () => ["--node-ip", net.nodeIP, "--kubelet-arg", "port=0"];

const k = (ns: string, a: string[], stdin?: string) => kubectl(server, ["-n", ns, ...a], { stdin, timeoutMs: 60_000 });
const running = (ns: string, name: string) => waitForPod(client, ns, name, "Running and Ready", isRunningReady, 120_000);
const claimOf = (ns: string, name: string) => client.get<Obj>({ group: "", version: "v1", resource: "persistentvolumeclaims", namespace: ns, name });
const pvc = (name: string) => JSON.stringify({
  apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name },
  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } },
});
const podWith = (name: string, claim: string, script: string) => busyboxPod(name, {
  containers: [{ name: "c", command: ["sh", "-c", `${script}; trap 'exit 0' TERM; while :; do sleep 1; done`], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
  volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }],
});
async function nodeReady(): Promise<void> {
  await within(90_000, async () => (/\sReady\s/.test(ok(await kubectl(server, ["get", "nodes"]))) ? true : undefined), 500);
}
async function restart(extra: string[] = []): Promise<void> {
  await server.stop({ keepContainers: true });
  server = await startServer([...args(), ...extra], {}, { agent: true, netns: net, dataDir: scratch.dir, port });
  client = adminClient(server);
  await nodeReady();
}

beforeAll(async () => {
  net = createTestNetns();
  scratch = scratchDir("lite-storage-e2e-");
  server = await startServer(args(), {}, { agent: true, netns: net, dataDir: scratch.dir });
  port = Number(/apiPort=(\d+)/.exec(server.logs())![1]);
  client = adminClient(server);
  await nodeReady();
});

afterAll(async () => {
  await server?.stop();
  net?.destroy();
  scratch?.cleanup();
});

describe("local storage (dist/lite in its own netns + kubectl)", () => {
  test("a PVC binds when its pod is scheduled; data survives pod deletion and a lite restart, and goes with the claim; StatefulSet claims keep their data", async () => {
    const sc = ok(await kubectl(server, ["get", "storageclass", "local-path", "-o",
      "jsonpath={.provisioner} {.reclaimPolicy} {.volumeBindingMode} {.metadata.annotations.storageclass\\.kubernetes\\.io/is-default-class}"]));
    expect(sc).toBe("rancher.io/local-path Delete WaitForFirstConsumer true");

    const ns = await freshNamespace(server, "st");
    ok(await k(ns, ["create", "-f", "-"], pvc("data")));
    await within(15_000, async () => ((await claimOf(ns, "data")).status?.phase === "Pending" ? true : undefined));
    expect(ok(await k(ns, ["describe", "pvc", "data"]))).toContain("waiting for first consumer to be created before binding");
    expect((await claimOf(ns, "data")).spec.volumeName).toBeUndefined();

    ok(await k(ns, ["create", "-f", "-"], podWith("writer", "data", "echo hello > /data/file")));
    await running(ns, "writer");
    const bound = await claimOf(ns, "data");
    expect(bound.status.phase).toBe("Bound");
    expect(ok(await k(ns, ["get", "pvc", "data", "-o", "jsonpath={.status.phase} {.spec.volumeName} {.status.capacity.storage} {.spec.storageClassName}"])))
      .toMatch(/^Bound pvc-[0-9a-f-]+ 64Mi local-path$/);
    const pvName = bound.spec.volumeName as string;
    const dir = `${scratch.dir}/storage/${pvName}_${ns}_data`;
    await within(15_000, async () => (existsSync(`${dir}/file`) ? true : undefined));
    expect(readFileSync(`${dir}/file`, "utf8")).toBe("hello\n");

    // A new pod sees what the deleted one wrote.
    ok(await k(ns, ["delete", "pod", "writer", "--wait=true"]));
    ok(await k(ns, ["create", "-f", "-"], podWith("reader", "data", "true")));
    await running(ns, "reader");
    expect(ok(await k(ns, ["exec", "reader", "--", "cat", "/data/file"]))).toBe("hello\n");

    // A StatefulSet's claim keeps its data when its pod is replaced.
    ok(await k(ns, ["apply", "-f", "-"], JSON.stringify({
      apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "web" },
      spec: {
        serviceName: "web", replicas: 1, selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{
              name: "c", image: "busybox", imagePullPolicy: "IfNotPresent", volumeMounts: [{ name: "www", mountPath: "/data" }],
              command: ["sh", "-c", "[ -f /data/id ] || echo \"first-$(date +%s%N)\" > /data/id; trap 'exit 0' TERM; while :; do sleep 1; done"],
            }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "32Mi" } } } }],
      },
    })));
    const first = await running(ns, "web-0");
    const id = ok(await k(ns, ["exec", "web-0", "--", "cat", "/data/id"]));
    expect(id).toStartWith("first-");
    ok(await k(ns, ["delete", "pod", "web-0", "--wait=true"]));
    await within(120_000, async () => {
      const p = await client.get<Obj>({ group: "", version: "v1", resource: "pods", namespace: ns, name: "web-0" }).catch(() => undefined);
      return p && p.metadata.uid !== first.metadata.uid && isRunningReady(p as never) ? true : undefined;
    }, 500);
    expect(ok(await k(ns, ["exec", "web-0", "--", "cat", "/data/id"]))).toBe(id);

    // lite restarts (containers keep running); the data is still there for both.
    await restart();
    await running(ns, "reader");
    expect(ok(await k(ns, ["exec", "reader", "--", "cat", "/data/file"]))).toBe("hello\n");
    await running(ns, "web-0");
    expect(ok(await k(ns, ["exec", "web-0", "--", "cat", "/data/id"]))).toBe(id);
    expect(readFileSync(`${dir}/file`, "utf8")).toBe("hello\n");

    // Deleting the claim (its pod first: pvc-protection holds a claim in use) removes the volume and its directory.
    ok(await k(ns, ["delete", "pod", "reader", "--wait=true"]));
    ok(await k(ns, ["delete", "pvc", "data", "--wait=true"]));
    await within(30_000, async () => (ok(await kubectl(server, ["get", "pv", "-o", "name"])).includes(pvName) ? undefined : true), 500);
    expect(existsSync(dir)).toBe(false);
    // The StatefulSet's volume is still there.
    expect(readdirSync(`${scratch.dir}/storage`).some((d) => d.endsWith(`_${ns}_www-web-0`))).toBe(true);
  });

  test("generic ephemeral volumes: a claim <pod>-<volume> owned by the pod, provisioned where it runs, deleted with it; a claim the pod does not own is refused", async () => {
    const ns = await freshNamespace(server, "eph");
    const ephemeralPod = (name: string, template: Record<string, unknown>) => busyboxPod(name, {
      containers: [{ name: "c", command: ["sh", "-c", "echo scratch > /scratch/file; trap 'exit 0' TERM; while :; do sleep 1; done"], volumeMounts: [{ name: "scratch", mountPath: "/scratch" }] }],
      volumes: [{ name: "scratch", ephemeral: { volumeClaimTemplate: template } }],
    });
    const template = { metadata: { labels: { type: "eph" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "16Mi" } } } };

    // A template that is not a valid claim is refused with the pod.
    const bad = await k(ns, ["create", "-f", "-"], ephemeralPod("bad", { spec: { accessModes: ["ReadWriteOnce"] } }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("spec.volumes[0].ephemeral.volumeClaimTemplate.spec.resources[storage]: Required value");

    ok(await k(ns, ["create", "-f", "-"], ephemeralPod("eph", template)));
    const pod = await running(ns, "eph");
    const claim = await claimOf(ns, "eph-scratch");
    expect(claim.status.phase).toBe("Bound");
    expect(claim.metadata.labels).toEqual({ type: "eph" });
    expect(claim.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Pod", name: "eph", uid: pod.metadata.uid!, controller: true, blockOwnerDeletion: true }]);
    expect(claim.spec.storageClassName).toBe("local-path");
    expect(ok(await k(ns, ["exec", "eph", "--", "cat", "/scratch/file"]))).toBe("scratch\n");

    // A claim of the same name the pod does not own: the pod is not scheduled, and says why.
    ok(await k(ns, ["create", "-f", "-"], pvc("squat-scratch")));
    ok(await k(ns, ["create", "-f", "-"], ephemeralPod("squat", template)));
    await within(30_000, async () => (ok(await k(ns, ["describe", "pod", "squat"])).includes(`PVC ${ns}/squat-scratch was not created for pod ${ns}/squat (pod is not owner)`) ? true : undefined), 500);
    expect((await client.get<Obj>({ group: "", version: "v1", resource: "pods", namespace: ns, name: "squat" })).spec.nodeName).toBeUndefined();

    // Deleting the pod deletes its claim (garbage collector), and the volume with it (reclaim Delete).
    const volume = claim.spec.volumeName as string;
    ok(await k(ns, ["delete", "pod", "eph", "--wait=true"]));
    await within(60_000, async () => {
      const claims = ok(await k(ns, ["get", "pvc", "-o", "jsonpath={.items[*].metadata.name}"]));
      const volumes = ok(await kubectl(server, ["get", "pv", "-o", "jsonpath={.items[*].metadata.name}"]));
      return !claims.split(" ").includes("eph-scratch") && !volumes.split(" ").includes(volume) ? true : undefined;
    }, 500);
  });

  test("--disable=local-storage: Disabled on the admin endpoint, its StorageClass removed, a replacement deployable", async () => {
    await restart(["--disable=local-storage"]);
    const items = ((await (await adminGet(server.dataDir, "/plugins")).json()) as { items: { id: string; role: string; state: string }[] }).items;
    expect(items.filter((i) => i.id === "local-storage").map((i) => i.state)).toEqual(expect.arrayContaining(["Disabled"]));
    expect(items.filter((i) => i.id === "local-storage").every((i) => i.state === "Disabled")).toBe(true);
    expect(ok(await kubectl(server, ["get", "storageclass", "-o", "name"]))).not.toContain("local-path");
    // The operator's own provisioner class takes the name.
    ok(await kubectl(server, ["apply", "-f", "-"], {
      stdin: JSON.stringify({
        apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "local-path", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "example.com/replacement", volumeBindingMode: "WaitForFirstConsumer",
      }),
    }));
    expect(ok(await kubectl(server, ["get", "storageclass", "local-path", "-o", "jsonpath={.provisioner}"]))).toBe("example.com/replacement");
    // Existing volumes (user data) are not the plugin's objects: they stay.
    expect(ok(await kubectl(server, ["get", "pv", "-o", "jsonpath={.items[*].spec.claimRef.name}"]))).toContain("www-web-0");
  });
});
