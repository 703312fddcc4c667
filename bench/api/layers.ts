/**
 * Where the time goes: the same operations as api-bench.ts, measured one layer at a time, all in
 * this process (no sockets), on a fresh SQLite store in a temp dir:
 *   - store only: `store.create` of the value the API layer would write;
 *   - API engine: `api.handle(new Request(...))` (routing, decode, defaults, validation,
 *     admission, store write, JSON encode) with no TLS, no HTTP;
 *   - LIST: engine time split into handle() (builds the Response) and reading the body.
 *
 *   bun bench/api/layers.ts
 *
 * Compare with api-bench.ts (same operations over HTTPS from another process) to get the cost of
 * the TLS front + HTTP + client.
 */
import { openSqliteStore } from "../../core/store/sqlite.ts";
import { createApiServer } from "../../core/apiserver/index.ts";
import { cleanup, configMap, deadline, f0, f2, pod, runPool, stats, tempDir } from "./lib.ts";

deadline(600);
const ADMIN = { username: "admin", groups: ["system:masters", "system:authenticated"] };
const dir = tempDir("liteapibench-layers-");
const store = await openSqliteStore(`${dir}/state.db`, { compactor: false });
const api = await createApiServer({ store, serviceCIDR: "10.43.0.0/16", nodePortRange: { min: 30000, max: 32767 }, clusterDomain: "cluster.local" });
const call = async (method: string, path: string, body?: unknown, accept = "application/json") => {
  const res = await api.handle(new Request(`https://lite.test${path}`, {
    method, headers: { "content-type": "application/json", accept }, body: body === undefined ? undefined : JSON.stringify(body),
  }), ADMIN);
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return text;
};
const rows: string[] = [];
const row = (name: string, rps: number | undefined, s: ReturnType<typeof stats>) => rows.push(`| ${name} | ${rps === undefined ? "-" : f0(rps)} | ${f2(s.p50)} | ${f2(s.p99)} |`);

try {
  const value = JSON.stringify({ ...configMap("x"), metadata: { name: "x", namespace: "default", uid: crypto.randomUUID(), creationTimestamp: new Date().toISOString() } });
  for (const c of [1, 64]) {
    const r = await runPool(c === 1 ? 3000 : 20_000, c, 10, async (i) => { await store.create(`/registry/bench/c${c}-${i}`, value); });
    row(`store.create, C=${c}`, r.latencies.length / r.seconds, stats(r.latencies));
  }
  for (const c of [1, 64]) {
    const r = await runPool(c === 1 ? 3000 : 10_000, c, 10, async (i) => { await call("POST", "/api/v1/namespaces/default/configmaps", configMap(`c${c}-${i}`)); });
    row(`api.handle ConfigMap create, C=${c}`, r.latencies.length / r.seconds, stats(r.latencies));
  }
  await call("POST", "/api/v1/namespaces/default/pods", pod("get-me", 0));
  const g = await runPool(5000, 1, 10, async () => { await call("GET", "/api/v1/namespaces/default/pods/get-me"); });
  row("api.handle GET pod", g.latencies.length / g.seconds, stats(g.latencies));

  await call("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "l" } });
  await runPool(3000, 64, 60, async (i) => { await call("POST", "/api/v1/namespaces/l/pods", pod(`p-${i}`, i)); });
  for (const q of ["?resourceVersion=0", ""]) {
    const handle: number[] = [];
    const body: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const res = await api.handle(new Request(`https://lite.test/api/v1/namespaces/l/pods${q}`, { headers: { accept: "application/json" } }), ADMIN);
      const t1 = performance.now();
      await res.arrayBuffer();
      handle.push(t1 - t0);
      body.push(performance.now() - t1);
    }
    row(`api.handle LIST 3,000 pods${q || " (consistent)"}: handle()`, undefined, stats(handle));
    row(`  ... then reading the body`, undefined, stats(body));
  }
  const items = JSON.parse(await call("GET", "/api/v1/namespaces/l/pods?resourceVersion=0")).items as unknown[];
  const ser: number[] = [];
  for (let i = 0; i < 20; i++) { const t0 = performance.now(); JSON.stringify({ items }); ser.push(performance.now() - t0); }
  row("JSON.stringify of those 3,000 pods alone", undefined, stats(ser));
  const kvs = (await store.list("/registry/core/pods/l/")).kvs;
  const lst: number[] = [];
  const par: number[] = [];
  for (let i = 0; i < 20; i++) {
    let t0 = performance.now(); await store.list("/registry/core/pods/l/"); lst.push(performance.now() - t0);
    t0 = performance.now(); for (const kv of kvs) JSON.parse(kv.value); par.push(performance.now() - t0);
  }
  row("store.list of those 3,000 keys", undefined, stats(lst));
  row("JSON.parse of the 3,000 stored values", undefined, stats(par));
} finally {
  await api.close();
  await store.close();
  cleanup();
}
console.log(`| in-process layer | ops/s | p50 ms | p99 ms |\n|---|---:|---:|---:|\n${rows.join("\n")}`);
