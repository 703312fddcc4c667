/**
 * CPU per pod create, in-process (no TLS, no HTTP, no client): a real `createApiServer` wired as
 * core/server/control-plane.ts wires it (authentication's ServiceAccount admission, CSR admission,
 * the Node,RBAC authorizer with NodeRestriction and escalation admission, ResourceQuota, field
 * management), on a memory store and on a SQLite store in a temp dir.
 *
 *   bun bench/api/pod-create-profile.ts [pods=2000] [--store memory|sqlite] [--only <scenario>]
 *   bun --cpu-prof --cpu-prof-dir /tmp/prof bench/api/pod-create-profile.ts 2000 --store memory --only sa-c64
 *   bun bench/api/pod-create-profile.ts --summarize /tmp/prof/<file>.cpuprofile   (self time by function / file)
 *
 * Figures: "CPU µs/op" is process CPU (user+sys, all threads: GC, SQLite) over the run divided by
 * the creates; it is robust on a loaded machine, unlike wall-clock (also printed, "wall µs/op",
 * and p50 of each `api.handle()` + body read). Scenarios (each in its own namespace):
 *   admin-c1 / admin-c64   pods as system:masters, 1 or 64 in flight
 *   sa-c64                 pods as a service account bound to `edit` in the namespace (RBAC path)
 *   quota-c64              pods as admin in a namespace with a ResourceQuota (pods, cpu, memory)
 *   cm-c64                 ConfigMaps as admin (comparison with bench/api/RESULTS.md)
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createApiServer, type ApiServer } from "../../core/apiserver/index.ts";
import type { UserInfo } from "../../core/apiserver/authz/types.ts";
import { apiObjectReader, createAuthentication, defaultIssuer } from "../../core/auth/authn/index.ts";
import { createAuthorization } from "../../core/auth/authz/index.ts";
import { csrAdmissionPlugin } from "../../core/certificates/index.ts";
import { createMemoryStore } from "../../core/store/memory.ts";
import { openSqliteStore } from "../../core/store/sqlite.ts";
import type { Store } from "../../core/store/types.ts";
import { configMap, pod } from "./lib.ts";

const ADMIN: UserInfo = { username: "admin", groups: ["system:masters", "system:authenticated"] };
const saUser = (ns: string): UserInfo => ({
  username: `system:serviceaccount:${ns}:deployer`,
  groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
});

/** A realistic pod: lib.ts's pod (1 container) plus a sidecar and an init container, probes, env, resources. */
function bigPod(name: string, i: number): Record<string, any> {
  const p = pod(name, i) as Record<string, any>;
  delete p.spec.nodeName; // NodeRestriction / scheduler: created unbound, as a ReplicaSet would
  const c0 = p.spec.containers[0];
  c0.readinessProbe = { httpGet: { path: "/ready", port: 8080 }, periodSeconds: 5, failureThreshold: 3 };
  c0.env.push({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
  p.spec.containers.push({
    name: "log-shipper", image: "registry.example.com/infra/shipper:2.4.1",
    args: ["--input=/var/log/app", "--output=stdout"],
    env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }, { name: "LEVEL", value: "warn" }],
    resources: { requests: { cpu: "20m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    volumeMounts: [{ name: "logs", mountPath: "/var/log/app", readOnly: true }],
    livenessProbe: { exec: { command: ["/bin/true"] }, periodSeconds: 30 },
  });
  p.spec.initContainers = [{ name: "migrate", image: "registry.example.com/team/web:1.27.3", command: ["/app/migrate"], resources: { requests: { cpu: "50m", memory: "64Mi" } } }];
  p.spec.volumes.push({ name: "logs", emptyDir: {} });
  return p;
}

interface Server { api: ApiServer; store: Store; close(): Promise<void> }

async function startServer(kind: "memory" | "sqlite"): Promise<Server> {
  let dir: string | undefined;
  const store = kind === "memory" ? createMemoryStore() : await openSqliteStore(`${(dir = mkdtempSync(`${tmpdir()}/litepodprof-`))}/state.db`, { compactor: false });
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
    // API Priority and Fairness as control-plane.ts enables it by default (400 + 200 seats); LITE_BENCH_APF=0: off.
    flowControl: process.env.LITE_BENCH_APF === "0" ? undefined : { serverConcurrencyLimit: 600 },
  });
  apiRef = api;
  await authz.attach(api);
  return {
    api, store,
    async close() { authz.stop(); await api.close(); await store.close(); if (dir) rmSync(dir, { recursive: true, force: true }); },
  };
}

async function call(api: ApiServer, user: UserInfo, method: string, path: string, body?: unknown): Promise<void> {
  const res = await api.handle(new Request(`https://lite.test${path}`, {
    method, headers: { "content-type": "application/json", accept: "application/json" }, body: body === undefined ? undefined : JSON.stringify(body),
  }), user);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
}

async function setupNamespace(api: ApiServer, ns: string, quota: boolean): Promise<void> {
  await call(api, ADMIN, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  // No controllers run here: the ServiceAccount controller's `default` and a deployer SA bound to `edit`.
  for (const name of ["default", "deployer"]) await call(api, ADMIN, "POST", `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name } });
  await call(api, ADMIN, "POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
    metadata: { name: "deployer-edit" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "edit" },
    subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: ns }],
  });
  if (quota) {
    const hard = { pods: "100000", "requests.cpu": "10000", "requests.memory": "10000Gi", "limits.cpu": "10000", "limits.memory": "10000Gi" };
    await call(api, ADMIN, "POST", `/api/v1/namespaces/${ns}/resourcequotas`, {
      metadata: { name: "compute" }, spec: { hard },
    });
    // The quota controller (not running here) would publish status; admission needs it.
    const zero = Object.fromEntries(Object.keys(hard).map((k) => [k, "0"]));
    const res = await api.handle(new Request(`https://lite.test/api/v1/namespaces/${ns}/resourcequotas/compute/status`, {
      method: "PATCH", headers: { "content-type": "application/merge-patch+json" }, body: JSON.stringify({ status: { hard, used: zero } }),
    }), ADMIN);
    if (res.status !== 200) throw new Error(`quota status: ${res.status} ${await res.text()}`);
  }
  await Bun.sleep(50); // let watch caches / RBAC caches catch up
}

interface Row { scenario: string; store: string; n: number; cpuUs: number; wallUs: number; p50: number }

async function runScenario(srv: Server, storeKind: string, scenario: string, n: number): Promise<Row> {
  const ns = `b-${scenario}`;
  await setupNamespace(srv.api, ns, scenario.startsWith("quota"));
  const c = scenario.endsWith("c1") ? 1 : 64;
  const user = scenario.startsWith("sa") ? saUser(ns) : ADMIN;
  const isCm = scenario.startsWith("cm");
  const path = `/api/v1/namespaces/${ns}/${isCm ? "configmaps" : "pods"}`;
  const bodies = Array.from({ length: n }, (_, i) => JSON.stringify(isCm ? configMap(`cm-${i}`, { a: "1", b: "x".repeat(200) }) : bigPod(`p-${i}`, i)));
  // warm-up (JIT, caches): 100 creates not measured
  for (let i = 0; i < 100; i++) await call(srv.api, user, "POST", path, JSON.parse(bodies[i]!.replace(/"name":"(p|cm)-/, '"name":"warm-')));
  Bun.gc(true);
  const lat: number[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (next < n) {
      const i = next++;
      const s = performance.now();
      const res = await srv.api.handle(new Request(`https://lite.test${path}`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: bodies[i] }), user);
      const text = await res.text();
      if (res.status !== 201) throw new Error(`${scenario}: ${res.status} ${text.slice(0, 300)}`);
      lat.push(performance.now() - s);
    }
  }));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  lat.sort((a, b) => a - b);
  return { scenario, store: storeKind, n, cpuUs: (cpu.user + cpu.system) / n, wallUs: (wall * 1000) / n, p50: lat[Math.floor(lat.length / 2)]! * 1000 };
}

/** Self time by function and by file of a .cpuprofile (Chrome format). */
async function summarize(file: string): Promise<void> {
  const prof = await Bun.file(file).json() as { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const ch of n.children ?? []) parent.set(ch, n.id);
  const self = new Map<number, number>();
  prof.samples.forEach((id, k) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[k] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fnSelf = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  const fnTotal = new Map<string, number>();
  const short = (u: string) => u.replace(/^.*\/work\/main\//, "").replace(/^file:\/\//, "");
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    const key = `${n.callFrame.functionName || "(anon)"} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    fnSelf.set(key, (fnSelf.get(key) ?? 0) + t);
    const f = short(n.callFrame.url) || "(native)";
    fileSelf.set(f, (fileSelf.get(f) ?? 0) + t);
    // inclusive: each distinct function on the stack once
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur)!;
      const k = `${c.callFrame.functionName || "(anon)"} ${short(c.callFrame.url)}:${c.callFrame.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      fnTotal.set(k, (fnTotal.get(k) ?? 0) + t);
    }
  }
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, t]) => `${((100 * t) / total).toFixed(1).padStart(5)}%  ${name}`).join("\n");
  console.log(`total sampled ${(total / 1000).toFixed(0)} ms\n-- self by function --\n${top(fnSelf, 40)}\n-- self by file --\n${top(fileSelf, 25)}\n-- inclusive by function --\n${top(fnTotal, Number(process.env.TOPN ?? 60))}`);
}

const args = process.argv.slice(2);
if (args[0] === "--summarize") {
  await summarize(args[1]!);
  process.exit(0);
}
const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000);
const stores = (opt("--store") ?? "memory,sqlite").split(",") as ("memory" | "sqlite")[];
const scenarios = (opt("--only") ?? "admin-c1,admin-c64,sa-c64,quota-c64,cm-c64").split(",");
const rows: Row[] = [];
for (const s of stores) {
  const srv = await startServer(s);
  try {
    for (const sc of scenarios) rows.push(await runScenario(srv, s, sc, n));
  } finally {
    await srv.close();
  }
}
console.log(`| store | scenario | creates | CPU µs/op | wall µs/op | p50 µs |\n|---|---|---:|---:|---:|---:|\n${rows.map((r) => `| ${r.store} | ${r.scenario} | ${r.n} | ${r.cpuUs.toFixed(0)} | ${r.wallUs.toFixed(0)} | ${r.p50.toFixed(0)} |`).join("\n")}`);
