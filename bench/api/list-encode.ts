/**
 * LIST body encoding, before and after core/apiserver/rest/render.ts `jsonListBody` (+
 * storage/shared-json.ts), in one process with the two interleaved so that machine noise hits
 * both alike. 3,000 pods as the server serves them (~3.9 KB each, managedFields included):
 *
 *   before: JSON.stringify of the whole list -> Response -> arrayBuffer (what renderList did)
 *   after:  jsonListBody (shared items: remembered JSON texts streamed in ~256 KiB chunks; fresh
 *           items: one string of per-item JSON texts) -> Response -> arrayBuffer
 *
 * "cache" items are frozen (as the watch cache hands them out; their JSON text is remembered after
 * the first request), "fresh" items are decoded anew for every request (consistent reads).
 *
 *   bun bench/api/list-encode.ts [rounds=15]
 */
import { jsonListBody } from "../../core/apiserver/rest/render.ts";
import type { KObject } from "../../core/apiserver/resources/index.ts";
import { openSqliteStore } from "../../core/store/sqlite.ts";
import { createApiServer } from "../../core/apiserver/index.ts";
import { cleanup, prepareNamespace, f1, pod, runPool, stats, tempDir, type Client } from "./lib.ts";

const rounds = Number(process.argv[2] ?? 15);
const dir = tempDir("liteapibench-enc-");
const store = await openSqliteStore(`${dir}/state.db`, { compactor: false });
const api = await createApiServer({ store, serviceCIDR: "10.43.0.0/16", nodePortRange: { min: 30000, max: 32767 }, clusterDomain: "cluster.local" });
const ADMIN = { username: "admin", groups: ["system:masters", "system:authenticated"] };
const call = async (method: string, path: string, body?: unknown) => {
  const res = await api.handle(new Request(`https://lite.test${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) }), ADMIN);
  const text = await res.text();
  return { status: res.status, body: text, ms: 0 };
};
try {
  await prepareNamespace({ request: call } as unknown as Client, "default");
  const made = await runPool(3000, 32, 300, async (i) => { const r = await call("POST", "/api/v1/namespaces/default/pods", pod(`p-${i}`, i)); if (r.status !== 201) throw new Error(r.body); });
  if (made.errors) throw new Error("setup failed");
  const text = (await call("GET", "/api/v1/namespaces/default/pods?resourceVersion=0")).body;
  const parsed = JSON.parse(text) as { items: KObject[] };
  const frozen = parsed.items.map((o) => Object.freeze(o));
  const head = JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" } });
  const before = async (items: KObject[]) => { const t0 = performance.now(); await new Response(JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "1" }, items })).arrayBuffer(); return performance.now() - t0; };
  const after = async (items: KObject[]) => { const t0 = performance.now(); await new Response(jsonListBody(head.slice(0, -1), items)).arrayBuffer(); return performance.now() - t0; };
  const fresh = () => (JSON.parse(text) as { items: KObject[] }).items;
  const r = { bc: [] as number[], ac: [] as number[], bf: [] as number[], af: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    r.bc.push(await before(frozen));
    r.ac.push(await after(frozen));
    r.bf.push(await before(fresh()));
    r.af.push(await after(fresh()));
  }
  const row = (name: string, xs: number[]) => { const s = stats(xs); return `| ${name} | ${f1(s.p50)} | ${f1(s.p99)} |`; };
  console.log(`| encode + read the body of a 3,000-pod list (${f1(text.length / 1024 / 1024)} MiB), ${rounds} rounds | p50 ms | max ms |
|---|---:|---:|
${row("cache items, before (JSON.stringify of the list)", r.bc)}
${row("cache items, after (remembered texts, streamed)", r.ac)}
${row("fresh items, before", r.bf)}
${row("fresh items, after (one string of per-item texts, as before)", r.af)}`);
} finally {
  await api.close();
  await store.close();
  cleanup();
}
