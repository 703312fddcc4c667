/**
 * Provisioning time of the local-path provisioner: for N pods, each with its own PVC of the default
 * class (WaitForFirstConsumer), the time from the pod being scheduled (the scheduler's
 * `volume.kubernetes.io/selected-node` annotation on its claim: VolumeBinding PreBind) to
 *   - the claim Bound (PV created by the plugin, bound by the core's PV controller),
 *   - the pod bound to the node (PreBind saw the claim bound; Bind done),
 *   - the container running (the kubelet mounted the volume and started the container).
 * Timestamps are taken by this client from watch events (API timestamps have 1 s resolution).
 * A baseline of the same pods without a volume (pod created -> running) runs first.
 *
 *   bun run build
 *   bun bench/storage/provisioning.ts [pods=20] [parallel=1]
 *
 * Runs `dist/lite server` with its agent in a network namespace of its own (tests/harness/netns.ts).
 */
import { availableParallelism, loadavg } from "node:os";
import type { ApiClient, KubeObject } from "@lite/sdk";
import { kubectl, startServer } from "../../tests/harness/lite-process.ts";
import { ok, within } from "../../tests/harness/kube.ts";
import { createTestNetns } from "../../tests/harness/netns.ts";
import { adminClient } from "../../tests/harness/pods.ts";

const N = Number(process.argv[2] ?? 20);
const PARALLEL = Number(process.argv[3] ?? 1);
type Obj = KubeObject & { spec?: any; status?: any };
const PODS = { group: "", version: "v1", resource: "pods" } as const;
const PVCS = { group: "", version: "v1", resource: "persistentvolumeclaims" } as const;

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN; };
const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const fmt = (xs: number[]) => `median ${median(xs).toFixed(0)} ms, p90 ${pct(xs, 90).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;

function pod(name: string, claim?: string) {
  return {
    apiVersion: "v1", kind: "Pod", metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "c", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"], ...(claim ? { volumeMounts: [{ name: "data", mountPath: "/data" }] } : {}) }],
      ...(claim ? { volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim } }] } : {}),
    },
  };
}

/** Records, per object name, when each named condition was first seen on the watch. */
function watchTimes(client: ApiClient, target: typeof PODS | typeof PVCS, ns: string, checks: Record<string, (o: Obj) => boolean>, signal: AbortSignal) {
  const seen = new Map<string, Record<string, number>>();
  void (async () => {
    try {
      for await (const ev of client.watch<Obj>({ ...target, namespace: ns }, { signal })) {
        const t = performance.now();
        const rec = seen.get(ev.object.metadata.name!) ?? {};
        for (const [k, f] of Object.entries(checks)) if (rec[k] === undefined && f(ev.object)) rec[k] = t;
        seen.set(ev.object.metadata.name!, rec);
      }
    } catch { /* aborted */ }
  })();
  return seen;
}

async function run(client: ApiClient, ns: string, withVolume: boolean) {
  const stop = new AbortController();
  const podTimes = watchTimes(client, PODS, ns, { bound: (p) => !!p.spec?.nodeName, running: (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined }, stop.signal);
  const claimTimes = watchTimes(client, PVCS, ns, { selected: (c) => !!c.metadata.annotations?.["volume.kubernetes.io/selected-node"], bound: (c) => c.status?.phase === "Bound" }, stop.signal);
  await Bun.sleep(300);
  const created = new Map<string, number>();
  const names = Array.from({ length: N }, (_, i) => `${withVolume ? "v" : "b"}${i}`);
  for (let i = 0; i < names.length; i += PARALLEL) {
    await Promise.all(names.slice(i, i + PARALLEL).map(async (name) => {
      if (withVolume) {
        await client.create({ ...PVCS, namespace: ns }, { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "16Mi" } } } });
      }
      created.set(name, performance.now());
      await client.create({ ...PODS, namespace: ns }, pod(name, withVolume ? name : undefined));
      await within(120_000, async () => (podTimes.get(name)?.running !== undefined ? true : undefined), 20);
    }));
  }
  stop.abort();
  const rows = names.map((n) => ({ created: created.get(n)!, pod: podTimes.get(n)!, claim: claimTimes.get(n) }));
  return rows;
}

const net = createTestNetns();
const server = await startServer(["--node-ip", net.nodeIP, "--kubelet-arg", "port=0"], {}, { agent: true, netns: net });
try {
  const client = adminClient(server);
  await within(90_000, async () => (/\sReady\s/.test(ok(await kubectl(server, ["get", "nodes"]))) ? true : undefined), 500);
  await within(30_000, async () => (await client.get({ group: "", version: "v1", resource: "serviceaccounts", namespace: "default", name: "default" }).catch(() => undefined)) ? true : undefined);
  const load0 = loadavg()[0]!.toFixed(2);
  const base = await run(client, "default", false);
  const vol = await run(client, "default", true);
  const load1 = loadavg()[0]!.toFixed(2);
  const baseline = base.map((r) => r.pod.running! - r.created);
  const toBound = vol.map((r) => r.claim!.bound! - r.claim!.selected!);
  const toPodBound = vol.map((r) => r.pod.bound! - r.claim!.selected!);
  const toRunning = vol.map((r) => r.pod.running! - r.claim!.selected!);
  const createdToRunning = vol.map((r) => r.pod.running! - r.created);
  console.log(`# local-path provisioning, ${N} pods, ${PARALLEL} at a time — ${new Date().toISOString()}, nproc ${availableParallelism()}, load ${load0} -> ${load1}`);
  console.log(`baseline (no volume) pod created -> container running:   ${fmt(baseline)}`);
  console.log(`pod scheduled (selected-node) -> PVC Bound:              ${fmt(toBound)}`);
  console.log(`pod scheduled (selected-node) -> pod bound to node:      ${fmt(toPodBound)}`);
  console.log(`pod scheduled (selected-node) -> container running:      ${fmt(toRunning)}`);
  console.log(`with volume: pod created -> container running:           ${fmt(createdToRunning)}`);
} finally {
  await server.stop().catch((err: unknown) => console.error(`stopping lite: ${(err as Error).message} (data dir ${server.dataDir})`));
  net.destroy();
}
