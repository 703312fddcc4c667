/**
 * Quota usage of objects (upstream pkg/quota/v1/evaluator/core and the generic object-count
 * evaluator), shared by the ResourceQuota admission plugin and the resourcequota controller.
 * Amounts are exact quantities summed in milli-units; `formatAmount` renders them as upstream does.
 */
import { formatQuantity, parseQuantity, quantityScaledValue, type Quantity, type QuantityFormat } from "../../machinery/quantity.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** Milli-units of each quota resource name, with the format to print it in. */
export type Usage = Map<string, { milli: bigint; format: QuantityFormat }>;

export interface ResourceIdent {
  group: string;
  resource: string;
}

function add(u: Usage, name: string, milli: bigint, format: QuantityFormat = "DecimalSI"): void {
  const cur = u.get(name);
  u.set(name, { milli: (cur?.milli ?? 0n) + milli, format: cur?.format ?? format });
}

function addQuantity(u: Usage, name: string, text: unknown): void {
  if (text === undefined || text === null) return;
  let q: Quantity;
  try { q = parseQuantity(String(text)); } catch { return; }
  add(u, name, quantityScaledValue(q, -3), q.format);
}

/** Terminal pods use no quota (upstream QuotaV1Pod). */
export function podCountsTowardsQuota(pod: Json): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed";
}

/** Effective pod requests/limits: sum of containers, raised to any single init container's. */
function podResources(pod: Json, kind: "requests" | "limits"): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  const sum = new Map<string, bigint>();
  const fmt = new Map<string, QuantityFormat>();
  for (const c of pod.spec?.containers ?? []) {
    for (const [r, v] of Object.entries(c.resources?.[kind] ?? {})) {
      try { const q = parseQuantity(String(v)); sum.set(r, (sum.get(r) ?? 0n) + quantityScaledValue(q, -3)); fmt.set(r, fmt.get(r) ?? q.format); } catch { /* invalid: validation rejects it */ }
    }
  }
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [r, v] of Object.entries(c.resources?.[kind] ?? {})) {
      try { const q = parseQuantity(String(v)); const m = quantityScaledValue(q, -3); if (m > (sum.get(r) ?? 0n)) { sum.set(r, m); fmt.set(r, fmt.get(r) ?? q.format); } } catch { /* ignore */ }
    }
  }
  for (const [r, m] of sum) out.set(r, { mantissa: m, exponent: -3, format: fmt.get(r) ?? "DecimalSI", value: Number(m) / 1000 });
  return out;
}

/** `count/<resource>[.<group>]`, as quota names it. */
export function countName(id: ResourceIdent): string {
  return `count/${id.resource}${id.group ? `.${id.group}` : ""}`;
}

/** What one object uses. */
export function usageOf(id: ResourceIdent, obj: Json): Usage {
  const u: Usage = new Map();
  if (id.group === "" && id.resource === "pods" && !podCountsTowardsQuota(obj)) return u;
  add(u, countName(id), 1000n);
  if (id.group !== "") return u;
  switch (id.resource) {
    case "pods": {
      add(u, "pods", 1000n);
      for (const [r, q] of podResources(obj, "requests")) {
        add(u, `requests.${r}`, q.mantissa, q.format);
        if (r === "cpu" || r === "memory" || r === "ephemeral-storage") add(u, r, q.mantissa, q.format);
      }
      for (const [r, q] of podResources(obj, "limits")) add(u, `limits.${r}`, q.mantissa, q.format);
      break;
    }
    case "services": {
      add(u, "services", 1000n);
      const type = obj.spec?.type;
      if (type === "LoadBalancer") add(u, "services.loadbalancers", 1000n);
      if (type === "NodePort" || type === "LoadBalancer") add(u, "services.nodeports", BigInt((obj.spec?.ports ?? []).length) * 1000n);
      break;
    }
    case "persistentvolumeclaims": {
      add(u, "persistentvolumeclaims", 1000n);
      addQuantity(u, "requests.storage", obj.spec?.resources?.requests?.storage);
      const sc = obj.spec?.storageClassName;
      if (sc) {
        add(u, `${sc}.storageclass.storage.k8s.io/persistentvolumeclaims`, 1000n);
        addQuantity(u, `${sc}.storageclass.storage.k8s.io/requests.storage`, obj.spec?.resources?.requests?.storage);
      }
      break;
    }
    case "configmaps": case "secrets": case "replicationcontrollers": case "resourcequotas":
      add(u, id.resource, 1000n);
      break;
  }
  return u;
}

export function addUsage(into: Usage, more: Usage): void {
  for (const [k, v] of more) add(into, k, v.milli, v.format);
}

export function formatAmount(a: { milli: bigint; format: QuantityFormat }): string {
  return formatQuantity({ mantissa: a.milli, exponent: -3, format: a.format, value: Number(a.milli) / 1000 });
}

export function parseAmount(text: unknown): { milli: bigint; format: QuantityFormat } | undefined {
  try { const q = parseQuantity(String(text)); return { milli: quantityScaledValue(q, -3), format: q.format }; } catch { return undefined; }
}

/** The resource a quota resource name counts objects of (for the controller's generic counts). */
export function countedResource(name: string): ResourceIdent | undefined {
  const m = /^count\/([a-z0-9-]+)(?:\.(.+))?$/.exec(name);
  return m ? { resource: m[1]!, group: m[2] ?? "" } : undefined;
}
