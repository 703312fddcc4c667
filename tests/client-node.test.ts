/**
 * @kubernetes/client-node against the compiled dist/lite: an informer (list + watch) sees every
 * add/update/delete of ConfigMaps; after the server has compacted history past the informer's
 * resourceVersion, its rewatch gets 410 Gone, it relists, and it still ends up with every change.
 * The second server shortens history with the test knobs in core/server/test-knobs.ts.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { loadClientNode } from "./harness/client-node-tls.ts";
import type { Informer, ObjectCache, V1ConfigMap } from "@kubernetes/client-node";

const { CoreV1Api, KubeConfig, makeInformer } = await loadClientNode();
type KubeConfigT = InstanceType<typeof KubeConfig>;
import { kubectl, startServer, type LiteServer } from "./harness/lite-process.ts";
import { configMap, freshNamespace, ok, yaml } from "./harness/kube.ts";

setDefaultTimeout(60_000);

interface Recorded { events: string[]; lists: number; errors: unknown[] }

function kubeConfig(server: LiteServer): KubeConfigT {
  const kc = new KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  return kc;
}

/** A ConfigMap informer on one namespace that records "ADD name", "UPDATE name=data.v", "DELETE name". */
function configMapInformer(server: LiteServer, ns: string): { informer: Informer<V1ConfigMap> & ObjectCache<V1ConfigMap>; rec: Recorded } {
  const kc = kubeConfig(server);
  const api = kc.makeApiClient(CoreV1Api);
  const rec: Recorded = { events: [], lists: 0, errors: [] };
  const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${ns}/configmaps`, () => {
    rec.lists++;
    return api.listNamespacedConfigMap({ namespace: ns });
  });
  informer.on("add", (o) => rec.events.push(`ADD ${o.metadata?.name}`));
  informer.on("update", (o) => rec.events.push(`UPDATE ${o.metadata?.name}=${o.data?.v ?? ""}`));
  informer.on("delete", (o) => rec.events.push(`DELETE ${o.metadata?.name}`));
  // stop() aborts the watch request; that abort is reported as an error and is not a failure.
  informer.on("error", (err) => { if (!(err instanceof Error && err.name === "AbortError")) rec.errors.push(err); });
  return { informer, rec };
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** The informer's cached names, sorted. */
const cached = (informer: ObjectCache<V1ConfigMap>) => informer.list().map((o) => `${o.metadata?.name}=${o.data?.v ?? ""}`).sort();

describe("informer on a server with default history", () => {
  let server: LiteServer;
  beforeAll(async () => { server = await startServer(); });
  afterAll(async () => { await server?.stop(); });

  test("watch-configmaps-closed-and-restarted: sees add, update and delete, and resumes from its resourceVersion", async () => {
    const ns = await freshNamespace(server, "informer");
    ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: configMap("pre", { v: "0" }) }));
    const { informer, rec } = configMapInformer(server, ns);
    await informer.start();
    try {
      await until("initial ADD", () => rec.events.includes("ADD pre"));
      ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: configMap("a", { v: "1" }) }));
      await until("ADD a", () => rec.events.includes("ADD a"));
      ok(await kubectl(server, ["-n", ns, "patch", "cm", "a", "--type=merge", "-p", '{"data":{"v":"2"}}']));
      await until("UPDATE a", () => rec.events.includes("UPDATE a=2"));
      ok(await kubectl(server, ["-n", ns, "delete", "cm", "pre"]));
      await until("DELETE pre", () => rec.events.includes("DELETE pre"));
      expect(rec.events).toEqual(["ADD kube-root-ca.crt", "ADD pre", "ADD a", "UPDATE a=2", "DELETE pre"]);

      // Stopped, the informer keeps its resourceVersion; history is retained, so it resumes without a relist.
      await informer.stop();
      ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: configMap("b", { v: "1" }) }));
      ok(await kubectl(server, ["-n", ns, "patch", "cm", "a", "--type=merge", "-p", '{"data":{"v":"3"}}']));
      await informer.start();
      await until("changes made while stopped", () => rec.events.includes("UPDATE a=3") && rec.events.includes("ADD b"));
      expect(rec.lists).toBe(1);
      expect(rec.errors).toEqual([]);
      expect(cached(informer)).toEqual(["a=3", "b=1", "kube-root-ca.crt="]);
    } finally {
      await informer.stop();
    }
  });
});

describe("informer on a server that compacts history quickly", () => {
  let server: LiteServer;
  beforeAll(async () => {
    server = await startServer([], { LITE_TEST_COMPACT_INTERVAL_MS: "100", LITE_TEST_WATCH_CACHE_CAPACITY: "8" });
  });
  afterAll(async () => { await server?.stop(); });

  test("after compaction past its resourceVersion it gets 410, relists, and still sees every change", async () => {
    const ns = await freshNamespace(server, "relist");
    const other = await freshNamespace(server, "churn");
    const { informer, rec } = configMapInformer(server, ns);
    await informer.start();
    try {
      ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: [yaml(configMap("keep", { v: "1" })), yaml(configMap("gone", { v: "1" }))].join("\n---\n") }));
      await until("ADD keep, gone", () => rec.events.includes("ADD keep") && rec.events.includes("ADD gone"));
      await informer.stop();
      const staleRV = (informer as unknown as { latestResourceVersion(): string }).latestResourceVersion();
      expect(staleRV).toMatch(/^\d+$/);

      // While it is away: changes in its namespace, and enough churn elsewhere that both the watch
      // cache window and the compacted store move past its resourceVersion.
      ok(await kubectl(server, ["-n", ns, "patch", "cm", "keep", "--type=merge", "-p", '{"data":{"v":"2"}}']));
      ok(await kubectl(server, ["-n", ns, "delete", "cm", "gone"]));
      ok(await kubectl(server, ["-n", ns, "create", "-f", "-"], { stdin: configMap("new", { v: "1" }) }));
      ok(await kubectl(server, ["-n", other, "create", "-f", "-"], { stdin: Array.from({ length: 12 }, (_, i) => yaml(configMap(`c${i}`))).join("\n---\n") }));
      // The server now answers a watch from the stale resourceVersion with 410 Expired.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const raw = await kubectl(server, ["get", "--raw", `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${staleRV}&timeoutSeconds=1`]);
        if (raw.stdout.includes('"code":410')) {
          expect(raw.stdout).toContain('"reason":"Expired"');
          break;
        }
        if (Date.now() > deadline) throw new Error(`no 410 for resourceVersion ${staleRV}: ${raw.stdout}${raw.stderr}`);
        await Bun.sleep(100);
      }

      await informer.start();
      await until("relist after 410", () => rec.lists === 2 && rec.events.includes("ADD new"));
      await until("every change", () => rec.events.includes("UPDATE keep=2") && rec.events.includes("DELETE gone"));
      expect(rec.errors).toEqual([]);
      expect(cached(informer)).toEqual(["keep=2", "kube-root-ca.crt=", "new=1"]);

      // And it keeps watching after the relist.
      ok(await kubectl(server, ["-n", ns, "patch", "cm", "new", "--type=merge", "-p", '{"data":{"v":"5"}}']));
      await until("UPDATE new after relist", () => rec.events.includes("UPDATE new=5"));
      expect(rec.lists).toBe(2);
    } finally {
      await informer.stop();
    }
  });
});
