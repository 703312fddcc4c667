/**
 * Reconciles the bootstrap policy at server start (upstream ensureRBACPolicy / reconciliation):
 * creates missing roles and bindings; for existing ones whose
 * `rbac.authorization.kubernetes.io/autoupdate` annotation is not "false", adds missing labels,
 * annotations, rules, aggregation selectors and subjects. User additions are never removed; a
 * binding whose roleRef differs is recreated (roleRef is immutable).
 */
import type { KObject } from "../../../apiserver/index.ts";
import { jsonEqual } from "../../../apiserver/machinery/json-value.ts";
import { covers } from "../escalation/covers.ts";
import type { LoopbackClient } from "../loopback/loopback-client.ts";
import { RBAC_GROUP, type Subject } from "../rbac/types.ts";
import { clusterRoleBindings, namespaceRoleBindings, namespaceRoles } from "./bindings.ts";
import { clusterRoles } from "./cluster-roles.ts";
import { controllerRoleBindings, controllerRoles } from "./controller-roles.ts";
import type { BindingDecl, ClusterRoleDecl, RoleDecl } from "./rules.ts";

export const AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";
export const BOOTSTRAP_LABELS = { "kubernetes.io/bootstrapping": "rbac-defaults" } as const;
const API_VERSION = `${RBAC_GROUP}/v1`;
const BASE = `/apis/${RBAC_GROUP}/v1`;

/** Every bootstrap object as it is created. */
export function bootstrapObjects(): KObject[] {
  const meta = (name: string, namespace?: string, labels?: Readonly<Record<string, string>>) => ({
    name, ...(namespace ? { namespace } : {}), labels: { ...BOOTSTRAP_LABELS, ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: "true" },
  });
  const role = (kind: "ClusterRole" | "Role", d: ClusterRoleDecl | RoleDecl): KObject => {
    const obj: KObject = { apiVersion: API_VERSION, kind, metadata: meta(d.name, "namespace" in d ? d.namespace : undefined, "labels" in d ? d.labels : undefined), rules: structuredClone(d.rules) };
    if ("aggregateFrom" in d && d.aggregateFrom) obj.aggregationRule = { clusterRoleSelectors: d.aggregateFrom.map((l) => ({ matchLabels: { ...l } })) };
    return obj;
  };
  const binding = (d: BindingDecl): KObject => ({
    apiVersion: API_VERSION, kind: d.namespace ? "RoleBinding" : "ClusterRoleBinding", metadata: meta(d.name, d.namespace),
    roleRef: { apiGroup: RBAC_GROUP, kind: d.roleRef.kind, name: d.roleRef.name }, subjects: structuredClone(d.subjects),
  });
  return [
    ...[...clusterRoles(), ...controllerRoles()].map((d) => role("ClusterRole", d)),
    ...[...clusterRoleBindings(), ...controllerRoleBindings()].map(binding),
    ...namespaceRoles().map((d) => role("Role", d)),
    ...namespaceRoleBindings().map(binding),
  ];
}

function pathOf(obj: KObject): { collection: string; item: string } {
  const plural = { ClusterRole: "clusterroles", Role: "roles", ClusterRoleBinding: "clusterrolebindings", RoleBinding: "rolebindings" }[obj.kind ?? ""];
  const ns = obj.metadata.namespace;
  const collection = ns ? `${BASE}/namespaces/${ns}/${plural}` : `${BASE}/${plural}`;
  return { collection, item: `${collection}/${encodeURIComponent(obj.metadata.name ?? "")}` };
}

/** The existing object with what `expected` adds, or undefined when nothing is missing. */
export function reconciled(existing: KObject, expected: KObject): KObject | undefined {
  const out = structuredClone(existing);
  out.metadata.labels = { ...existing.metadata.labels, ...expected.metadata.labels };
  out.metadata.annotations = { ...existing.metadata.annotations, ...expected.metadata.annotations };
  if (expected.kind === "ClusterRole" || expected.kind === "Role") {
    if (!expected.aggregationRule) {
      const { missing } = covers(existing.rules ?? [], expected.rules ?? []);
      if (missing.length) out.rules = [...(existing.rules ?? []), ...missing];
    } else {
      const selectors: unknown[] = [...(existing.aggregationRule?.clusterRoleSelectors ?? [])];
      for (const s of expected.aggregationRule.clusterRoleSelectors) if (!selectors.some((x) => jsonEqual(x, s))) selectors.push(s);
      out.aggregationRule = { clusterRoleSelectors: selectors };
    }
  } else {
    const subjects: Subject[] = [...(existing.subjects ?? [])];
    for (const s of expected.subjects as Subject[]) {
      if (!subjects.some((x) => x.kind === s.kind && x.name === s.name && (x.namespace ?? "") === (s.namespace ?? ""))) subjects.push(s);
    }
    if (subjects.length) out.subjects = subjects;
  }
  return jsonEqual(out, existing) ? undefined : out;
}

/**
 * Creates or tops up every bootstrap object; returns how many were written. Objects are
 * independent, so they are reconciled concurrently: the store commits the writes in a few
 * group commits instead of one fsync per object (first start was ~3 s on a busy machine).
 */
/** `lastRevision` is the highest revision of a ClusterRole written (0 if none). */
export async function reconcileBootstrapPolicy(client: LoopbackClient): Promise<{ created: number; updated: number; lastRevision: number }> {
  let created = 0;
  let updated = 0;
  let lastRevision = 0;
  // The caller waits for the ClusterRole cache to reach this revision: only ClusterRole writes count
  // (a cache never reaches a revision written to another resource; waiting for one timed out).
  const note = (o: KObject | undefined) => {
    if (o?.kind === "ClusterRole") lastRevision = Math.max(lastRevision, Number(o.metadata.resourceVersion ?? 0));
  };
  const reconcileOne = async (expected: KObject) => {
    const { collection, item } = pathOf(expected);
    const existing = await client.get(item);
    if (!existing) {
      note(await client.create(collection, expected));
      created++;
      return;
    }
    if (existing.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === "false") return;
    if ((expected.kind === "ClusterRoleBinding" || expected.kind === "RoleBinding") && !jsonEqual(existing.roleRef, expected.roleRef)) {
      await client.delete(item);
      note(await client.create(collection, { ...expected, subjects: reconciled({ ...existing, roleRef: expected.roleRef }, expected)?.subjects ?? existing.subjects }));
      updated++;
      return;
    }
    const next = reconciled(existing, expected);
    if (next) { note(await client.update(item, next)); updated++; }
  };
  await Promise.all(bootstrapObjects().map(reconcileOne));
  return { created, updated, lastRevision };
}
