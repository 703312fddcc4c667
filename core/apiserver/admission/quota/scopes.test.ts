import { expect, test } from "bun:test";
import { isBestEffort, quotaSelects } from "./scopes.ts";

const pods = { group: "", resource: "pods" };
const pod = (spec: Record<string, unknown>) => ({ metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });
const withResources = (resources: Record<string, unknown>) => pod({ containers: [{ name: "c", image: "busybox", resources }] });
const quota = (spec: Record<string, unknown>) => ({ metadata: { name: "q" }, spec: { hard: { pods: "5" }, ...spec } });

test("[sig-api-machinery] ResourceQuota should verify ResourceQuota with best effort scope. [Conformance]: BestEffort and NotBestEffort select by QoS (cpu and memory only)", () => {
  expect(isBestEffort(pod({}))).toBe(true);
  expect(isBestEffort(withResources({ requests: { "ephemeral-storage": "1Gi" } }))).toBe(true);
  expect(isBestEffort(withResources({ limits: { cpu: "0" } }))).toBe(true);
  expect(isBestEffort(withResources({ requests: { memory: "10Mi" } }))).toBe(false);
  expect(isBestEffort(pod({ initContainers: [{ name: "i", image: "busybox", resources: { limits: { cpu: "1" } } }] }))).toBe(false);
  expect(quotaSelects(quota({ scopes: ["BestEffort"] }), pods, pod({}))).toBe(true);
  expect(quotaSelects(quota({ scopes: ["NotBestEffort"] }), pods, pod({}))).toBe(false);
  expect(quotaSelects(quota({ scopes: ["NotBestEffort"] }), pods, withResources({ requests: { cpu: "100m" } }))).toBe(true);
});

test("[sig-api-machinery] ResourceQuota should verify ResourceQuota with terminating scopes. [Conformance]: Terminating means activeDeadlineSeconds is set", () => {
  expect(quotaSelects(quota({ scopes: ["Terminating"] }), pods, pod({ activeDeadlineSeconds: 3600 }))).toBe(true);
  expect(quotaSelects(quota({ scopes: ["Terminating"] }), pods, pod({}))).toBe(false);
  expect(quotaSelects(quota({ scopes: ["NotTerminating"] }), pods, pod({}))).toBe(true);
  // All requirements must hold.
  expect(quotaSelects(quota({ scopes: ["NotTerminating", "BestEffort"] }), pods, withResources({ limits: { cpu: "1" } }))).toBe(false);
});

test("scopeSelector: PriorityClass In/NotIn/Exists, CrossNamespacePodAffinity; scoped quotas select pods only; unscoped select everything", () => {
  const sel = (operator: string, values?: string[]) => quota({ scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator, ...(values ? { values } : {}) }] } });
  expect(quotaSelects(sel("In", ["high"]), pods, pod({ priorityClassName: "high" }))).toBe(true);
  expect(quotaSelects(sel("In", ["high"]), pods, pod({}))).toBe(false);
  expect(quotaSelects(sel("NotIn", ["high"]), pods, pod({ priorityClassName: "low" }))).toBe(true);
  expect(quotaSelects(sel("Exists"), pods, pod({}))).toBe(true);
  const cross = quota({ scopeSelector: { matchExpressions: [{ scopeName: "CrossNamespacePodAffinity", operator: "Exists" }] } });
  expect(quotaSelects(cross, pods, pod({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "x", namespaceSelector: {} }] } } }))).toBe(true);
  expect(quotaSelects(cross, pods, pod({ affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "x" }] } } }))).toBe(false);
  expect(quotaSelects(quota({ scopes: ["BestEffort"] }), { group: "", resource: "configmaps" }, { metadata: { name: "c" } })).toBe(false);
  expect(quotaSelects(quota({}), { group: "", resource: "configmaps" }, { metadata: { name: "c" } })).toBe(true);
});
