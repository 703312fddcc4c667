/**
 * CPU per node Lease renewal, in-process (no TLS, no HTTP, no client): a real `createApiServer`
 * wired as bench/api/pod-create-profile.ts wires it (Node,RBAC authorizer with NodeRestriction,
 * field management), on a memory or SQLite store, optionally with the core controllers running
 * (as `lite server` runs them: one shared informer factory, system:lite-controller), so the watch
 * fan-out and the node lifecycle controller's reaction to each Lease event are in the figure.
 *
 *   bun bench/api/lease-update-profile.ts [updates=8000] [--nodes 200] [--store memory|sqlite] [--only node,admin] [--no-controllers] [--rate R]
 *   (THREADS=1 also prints each thread's CPU over the measured part, from /proc/self/task)
 *   bun --cpu-prof --cpu-prof-dir /tmp/prof bench/api/lease-update-profile.ts 5000 --store sqlite --only node
 *   bun bench/api/pod-create-profile.ts --summarize /tmp/prof/<file>.cpuprofile
 *
 * Each update is a PUT of `coordination.k8s.io/v1` Lease kube-node-lease/<node> with a new
 * renewTime, resourceVersion from the previous response (as tests/sim/node-heartbeat.ts does), as
 * the node (`system:node:<name>`, group `system:nodes`: the node authorizer path) or as admin;
 * `--nodes` nodes round-robin, 16 in flight. "CPU µs/op" is process CPU over the run / updates,
 * measured after the controllers' queues drain (so their reaction is counted).
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createApiServer, type ApiServer } from "../../core/apiserver/index.ts";
import type { UserInfo } from "../../core/apiserver/authz/types.ts";
import { apiObjectReader, createAuthentication, defaultIssuer } from "../../core/auth/authn/index.ts";
import { createAuthorization, LITE_CONTROLLER_USER } from "../../core/auth/authz/index.ts";
import { csrAdmissionPlugin } from "../../core/certificates/index.ts";
import { coreControllers, startControllerManager, type ControllerManagerHandle } from "../../core/controllers/index.ts";
import { quietLog } from "../../core/controllers/testing/in-process.ts";
import { createMemoryStore } from "../../core/store/memory.ts";
import { openSqliteStore } from "../../core/store/sqlite.ts";
import type { Store } from "../../core/store/types.ts";

const ADMIN: UserInfo = { username: "admin", groups: ["system:masters", "system:authenticated"] };
const nodeUser = (name: string): UserInfo => ({ username: `system:node:${name}`, groups: ["system:nodes", "system:authenticated"] });
const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, "000Z");

interface Server { api: ApiServer; store: Store; cm?: ControllerManagerHandle; close(): Promise<void> }

async function startServer(kind: "memory" | "sqlite", controllers: boolean): Promise<Server> {
  let dir: string | undefined;
  const store = kind === "memory" ? createMemoryStore() : await openSqliteStore(`${(dir = mkdtempSync(`${tmpdir()}/liteleaseprof-`))}/state.db`, { compactor: false });
  let apiRef: ApiServer | undefined;
  const pem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  const authn = createAuthentication({
    serviceKeyPem: pem, issuer: defaultIssuer("cluster.local"), objects: apiObjectReader(() => apiRef),
    authorize: (user, attrs) => apiRef ? apiRef.authorize(user, attrs) : { allowed: false, reason: "not started" },
  });
  const authz = createAuthorization();
  const api = await createApiServer({
    store, authorize: authz.authorize,
    admission: [authn.admission, csrAdmissionPlugin(), ...authz.admission],
    extraResources: [...authn.reviewResources, ...authz.resources],
    issueToken: authn.issueToken, nonResourceRoutes: authn.discoveryRoutes,
    serviceCIDR: "10.43.0.0/16", nodePortRange: { min: 30000, max: 32767 }, clusterDomain: "cluster.local",
  });
  apiRef = api;
  await authz.attach(api);
  const cm = controllers ? startControllerManager({
    api, log: quietLog, identity: "bench", user: { username: LITE_CONTROLLER_USER, groups: ["system:authenticated"] },
    controllers: coreControllers({ rootCAPem: "" }),
  }) : undefined;
  return {
    api, store, cm,
    async close() { await cm?.stop(); authz.stop(); await api.close(); await store.close(); if (dir) rmSync(dir, { recursive: true, force: true }); },
  };
}

async function call(api: ApiServer, user: UserInfo, method: string, path: string, body?: unknown): Promise<any> {
  const res = await api.handle(new Request(`https://lite.test${path}`, {
    method, headers: { "content-type": "application/json", accept: "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  }), user);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";

/** Registers nodes (Ready) and their Leases, as the simulator does; returns the Leases. */
async function setupNodes(srv: Server, prefix: string, count: number): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    const now = Date.now();
    const node = await call(srv.api, ADMIN, "POST", "/api/v1/nodes", { metadata: { name, labels: { "kubernetes.io/hostname": name } } });
    const stamp = new Date(now).toISOString().replace(/\.\d+Z$/, "Z");
    const res = await srv.api.handle(new Request(`https://lite.test/api/v1/nodes/${name}/status`, {
      method: "PATCH", headers: { "content-type": "application/merge-patch+json" },
      body: JSON.stringify({ status: { conditions: ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"].map((type) => ({ type, status: type === "Ready" ? "True" : "False", reason: "KubeletReady", lastHeartbeatTime: stamp, lastTransitionTime: stamp })) } }),
    }), nodeUser(name));
    if (res.status !== 200) throw new Error(`node status: ${res.status} ${await res.text()}`);
    out.push(await call(srv.api, nodeUser(name), "POST", LEASES, {
      apiVersion: "coordination.k8s.io/v1", kind: "Lease",
      metadata: { name, namespace: "kube-node-lease", ownerReferences: [{ apiVersion: "v1", kind: "Node", name, uid: node.metadata.uid }] },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(now) },
    }));
  }
  await Bun.sleep(200);
  return out;
}

function threadTicks(): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of readdirSync("/proc/self/task")) {
    try {
      const f = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
      const x = f.slice(f.lastIndexOf(")") + 2).split(" ");
      m.set(`${t}:${f.slice(f.indexOf("(") + 1, f.lastIndexOf(")"))}`, Number(x[11]) + Number(x[12]));
    } catch { /* thread gone */ }
  }
  return m;
}

interface Row { scenario: string; store: string; controllers: boolean; n: number; cpuUs: number; wallUs: number; p50: number }

async function settle(): Promise<void> { for (let i = 0; i < 5; i++) await Bun.sleep(20); }

async function runScenario(srv: Server, storeKind: string, scenario: string, n: number, nodes: number): Promise<Row> {
  const leases = await setupNodes(srv, scenario, nodes);
  const asNode = scenario === "node";
  let clock = Date.now();
  const renew = async (k: number): Promise<number> => {
    const l = leases[k]!;
    const name = l.metadata.name as string;
    const next = { ...l, spec: { ...l.spec, renewTime: microTime(++clock) } };
    const s = performance.now();
    const res = await srv.api.handle(new Request(`https://lite.test${LEASES}/${name}`, {
      method: "PUT", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(next),
    }), asNode ? nodeUser(name) : ADMIN);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${scenario}: ${res.status} ${text.slice(0, 300)}`);
    leases[k] = JSON.parse(text);
    return performance.now() - s;
  };
  // warm-up (JIT; without it the first scenario of a run reads ~30 % higher): >= 3,000 renewals, not measured
  for (let w = 0; w < Math.max(nodes, 3000); w++) await renew(w % nodes);
  await settle();
  Bun.gc(true);
  const lat: number[] = [];
  let next = 0;
  const inFlight = Math.min(16, nodes);
  const th0 = threadTicks();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (rate > 0) {
    // Paced as the simulator's heartbeats arrive: one PUT every 1/rate s, each on its own.
    const pending: Promise<void>[] = [];
    for (let r = 0; r < n; r++) {
      const due = t0 + (r * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      next++;
      pending.push(renew(r % nodes).then((ms) => { lat.push(ms); }));
    }
    await Promise.all(pending);
  } else {
    // Lanes own disjoint node sets (k % inFlight), so no two PUTs of one Lease overlap.
    await Promise.all(Array.from({ length: inFlight }, async (_, lane) => {
      for (let r = lane; r < n; r += inFlight) { next++; lat.push(await renew(r % nodes)); }
    }));
  }
  await settle();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (process.env.THREADS) { const th = threadTicks(); console.error([...th].map(([k, v]) => [k, v - (th0.get(k) ?? 0)] as const).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v * 10}ms`).join(" ")); }
  lat.sort((a, b) => a - b);
  return { scenario, store: storeKind, controllers: !!srv.cm, n: next, cpuUs: (cpu.user + cpu.system) / next, wallUs: (wall * 1000) / next, p50: lat[Math.floor(lat.length / 2)]! * 1000 };
}

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 8000);
const nodes = Number(opt("--nodes") ?? 200);
const controllers = !args.includes("--no-controllers");
/** --rate R: PUTs paced at R per second, one at a time (default: 16 in flight, as fast as possible). */
const rate = Number(opt("--rate") ?? 0);
const stores = (opt("--store") ?? "memory,sqlite").split(",") as ("memory" | "sqlite")[];
// "warm" (admin, not reported) first: whichever scenario runs first in a process reads ~100 µs/op higher.
const scenarios = ["warm", ...(opt("--only") ?? "node,admin").split(",")];
const rows: Row[] = [];
for (const s of stores) {
  const srv = await startServer(s, controllers);
  try {
    await Bun.sleep(500); // informers list, controllers start
    for (const sc of scenarios) { const row = await runScenario(srv, s, sc, n, nodes); if (sc !== "warm") rows.push(row); }
  } finally {
    await srv.close();
  }
}
console.log(`| store | user | controllers | updates | CPU µs/op | wall µs/op | p50 µs |\n|---|---|---|---:|---:|---:|---:|\n${rows.map((r) => `| ${r.store} | ${r.scenario} | ${r.controllers ? "yes" : "no"} | ${r.n} | ${r.cpuUs.toFixed(0)} | ${r.wallUs.toFixed(0)} | ${r.p50.toFixed(0)} |`).join("\n")}`);
process.exit(0);
