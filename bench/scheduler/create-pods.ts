/**
 * Worker process of the scheduling benchmark: creates `count` pods in `namespace` over HTTPS
 * with `concurrency` requests in flight, then prints one JSON line {created, ms, createdAt}
 * (createdAt: pod name -> ms epoch when its create returned). Run by scheduler-bench.ts.
 */
import { builtinResources } from "@lite/sdk";
import { createApiClient, httpsTransport, kubeconfigTransportOptions } from "../../core/client/index.ts";

const [kubeconfig, namespace, countText, concurrencyText, prefix] = process.argv.slice(2);
const client = createApiClient({ transport: httpsTransport(kubeconfigTransportOptions(kubeconfig!)), fieldManager: "bench" });
const count = Number(countText), concurrency = Number(concurrencyText);
const createdAt: Record<string, number> = {};
let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < count) {
    const name = `${prefix}-${next++}`;
    const sent = Date.now();
    await client.create({ ...builtinResources.pods, namespace }, {
      apiVersion: "v1", kind: "Pod", metadata: { name, namespace },
      spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "10m", memory: "16Mi" } } }] },
    });
    createdAt[name] = sent;
  }
}));
console.log(JSON.stringify({ created: count, ms: performance.now() - t0, createdAt }));
