import { afterEach, expect, test } from "bun:test";
import { builtinResources, type KubeObject } from "@lite/sdk";
import { eventually, quietLog, startTestCluster, type TestCluster } from "../testing/in-process.ts";
import { realClock } from "./clock.ts";
import { runLeaderElection } from "./leader-election.ts";

let cluster: TestCluster | undefined;
afterEach(async () => { await cluster?.close(); cluster = undefined; });

const lease = { namespace: "kube-system", name: "test-lease" };
const fast = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };

function candidate(c: TestCluster, identity: string) {
  const stop = new AbortController();
  const state = { leading: false, startedAt: 0, lostCount: 0 };
  const done = runLeaderElection({
    client: c.client, lease, identity, clock: realClock(), log: process.env.DEBUG_LE ? { ...quietLog, warn: (m: string, f?: unknown) => console.log(m, f) } : quietLog, ...fast,
    async onStartedLeading(signal) {
      state.leading = true;
      state.startedAt = Date.now();
      await new Promise<void>((r) => signal.addEventListener("abort", () => r(), { once: true }));
      state.leading = false;
      state.lostCount++;
    },
  }, stop.signal);
  return { state, stop: async () => { stop.abort(); await done; } };
}

type Lease = KubeObject & { spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; leaseTransitions?: number } };

test("a single candidate acquires at once; a second waits; release hands over without waiting for expiry", async () => {
  cluster = await startTestCluster();
  const t0 = Date.now();
  const a = candidate(cluster, "server-a");
  await eventually(() => a.state.leading);
  expect(a.state.startedAt - t0).toBeLessThan(500);
  const get = () => cluster!.client.get<Lease>({ ...builtinResources.leases, ...lease });
  const held = await get();
  expect(held.spec).toMatchObject({ holderIdentity: "server-a", leaseDurationSeconds: 1, leaseTransitions: 0 });
  expect(held.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

  const b = candidate(cluster, "server-b");
  await Bun.sleep(1500); // longer than the lease: a keeps renewing, so b must not take it
  expect(b.state.leading).toBe(false);
  expect(a.state.leading).toBe(true);
  expect(Date.parse((await get()).spec.renewTime!)).toBeGreaterThan(Date.parse(held.spec.renewTime!));

  await a.stop();
  expect((await get()).spec.holderIdentity ?? "").not.toBe("server-a");
  await eventually(() => b.state.leading, 2000, "b leading");
  expect((await get()).spec).toMatchObject({ holderIdentity: "server-b", leaseTransitions: 1 });
  await b.stop();
});

test("a lease held by someone who stopped renewing is taken after it expires", async () => {
  cluster = await startTestCluster();
  const now = new Date().toISOString().replace("Z", "000Z").replace(/\.(\d{3})000Z$/, ".$1000Z");
  await cluster.client.create({ ...builtinResources.leases, namespace: lease.namespace }, {
    apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: lease.name },
    spec: { holderIdentity: "dead-server", leaseDurationSeconds: 1, renewTime: now, acquireTime: now, leaseTransitions: 3 },
  });
  const t0 = Date.now();
  const b = candidate(cluster, "server-b");
  await eventually(() => b.state.leading, 3000);
  expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  await b.stop();
});
