/**
 * The `kubernetes` Service's endpoints (upstream's master endpoint reconciler): Endpoints and an
 * EndpointSlice named `kubernetes` in `default`, pointing at the address pods reach this API
 * server on (the advertise address: the node IP) and its HTTPS port, so in-cluster clients reach
 * the API through 10.43.0.1:443 via the service proxy. Written at every start (the port may change);
 * an existing object is updated only when it differs. A loopback address is not written (pods
 * cannot reach it, and endpoints may not be loopback): the Service then has no endpoints.
 */
import type { ApiClient, KubeObject, Logger } from "@lite/sdk";
import { isNotFound } from "@lite/sdk";

const ENDPOINTS = { group: "", version: "v1", resource: "endpoints", namespace: "default" } as const;
const SLICES = { group: "discovery.k8s.io", version: "v1", resource: "endpointslices", namespace: "default" } as const;

export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1";
}

export async function reconcileKubernetesEndpoints(client: ApiClient, o: { ip: string; port: number; log: Logger }): Promise<void> {
  if (isLoopback(o.ip)) {
    o.log.info("the kubernetes Service gets no endpoints: the advertise address is loopback, which pods cannot reach", { ip: o.ip });
    return;
  }
  const family = o.ip.includes(":") ? "IPv6" : "IPv4";
  const port = { name: "https", port: o.port, protocol: "TCP" };
  await upsert(client, ENDPOINTS, {
    apiVersion: "v1", kind: "Endpoints",
    metadata: { name: "kubernetes", namespace: "default", labels: { "endpointslice.kubernetes.io/skip-mirror": "true" } },
    subsets: [{ addresses: [{ ip: o.ip }], ports: [port] }],
  } as KubeObject, ["subsets"]);
  await upsert(client, SLICES, {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: { name: "kubernetes", namespace: "default", labels: { "kubernetes.io/service-name": "kubernetes" } },
    addressType: family,
    endpoints: [{ addresses: [o.ip], conditions: { ready: true } }],
    ports: [port],
  } as KubeObject, ["addressType", "endpoints", "ports"]);
}

/** Creates `want`, or updates the existing object's `fields` (and labels) when they differ. */
async function upsert(client: ApiClient, target: typeof ENDPOINTS | typeof SLICES, want: KubeObject, fields: string[]): Promise<void> {
  const name = want.metadata.name!;
  let have: KubeObject | undefined;
  try {
    have = await client.get<KubeObject>({ ...target, name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!have) {
    await client.create(target, want);
    return;
  }
  const record = have as unknown as Record<string, unknown>;
  const wanted = want as unknown as Record<string, unknown>;
  const same = fields.every((f) => sameJSON(record[f], wanted[f]))
    && Object.entries(want.metadata.labels ?? {}).every(([k, v]) => have!.metadata.labels?.[k] === v);
  if (same) return;
  const next = { ...record, metadata: { ...have.metadata, labels: { ...have.metadata.labels, ...want.metadata.labels } } } as Record<string, unknown>;
  for (const f of fields) next[f] = wanted[f];
  await client.update(target, next as unknown as KubeObject);
}

/** Compares the fields lite writes; the API server may add defaults (e.g. appProtocol absent), so compare what was asked. */
function sameJSON(have: unknown, want: unknown): boolean {
  return JSON.stringify(pick(have, want)) === JSON.stringify(want);
}

/** `have` reduced to the keys present in `want` (recursively), so server-side defaults do not count as a difference. */
function pick(have: unknown, want: unknown): unknown {
  if (Array.isArray(want)) return Array.isArray(have) ? want.map((w, i) => pick(have[i], w)) : have;
  if (want && typeof want === "object") {
    if (!have || typeof have !== "object") return have;
    return Object.fromEntries(Object.keys(want).map((k) => [k, pick((have as Record<string, unknown>)[k], (want as Record<string, unknown>)[k])]));
  }
  return have;
}
