/**
 * ControllerRevisions for StatefulSets and DaemonSets (upstream pkg/controller/history): each
 * distinct pod template is one revision named `<owner>-<hash>`, whose data is the strategic patch
 * `{"spec":{"template":{...,"$patch":"replace"}}}` that restores it, numbered in creation order.
 */
import { isAlreadyExists, isNotFound, type ApiClient, type KubeObject, type OwnerReference } from "@lite/sdk";
import type { PodTemplate } from "../workload-pods/types.ts";

export const CONTROLLER_REVISIONS = { group: "apps", version: "v1", resource: "controllerrevisions" } as const;
export const CONTROLLER_REVISION_HASH_LABEL = "controller-revision-hash";

export interface ControllerRevision extends KubeObject {
  revision: number;
  data?: { spec?: { template?: PodTemplate & { $patch?: string } } };
}

/** upstream rand.SafeEncodeString alphabet: no vowels or look-alike digits. */
const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** fnv-1a 32 of the canonical JSON of `value` (plus the collision count), safe-encoded. */
export function hashOf(value: unknown, collisionCount = 0): string {
  let h = 0x811c9dc5;
  const text = canonicalJson(value) + (collisionCount ? String(collisionCount) : "");
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return [...String(h)].map((d) => SAFE[d.charCodeAt(0) % SAFE.length]).join("");
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

export function revisionData(template: PodTemplate | undefined): ControllerRevision["data"] {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: "replace" } } };
}

/** The pod template a revision restores. */
export function templateOf(rev: ControllerRevision): PodTemplate {
  const { $patch: _, ...template } = structuredClone(rev.data?.spec?.template ?? {});
  return template;
}

function sameData(a: ControllerRevision, b: ControllerRevision["data"]): boolean {
  return canonicalJson(a.data) === canonicalJson(b);
}

export interface SyncRevisionsOptions {
  client: ApiClient;
  owner: KubeObject;
  ownerRef: OwnerReference;
  /** The owner's revisions (claimed), any order. */
  revisions: readonly ControllerRevision[];
  template: PodTemplate | undefined;
  /** Revision labels (upstream: the template's labels). */
  labels: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Finds or creates the revision of the current template, giving it the highest revision number
 * (a rollback to an old template renumbers that revision). Returns it and all revisions after the write.
 */
export async function ensureUpdateRevision(o: SyncRevisionsOptions): Promise<{ update: ControllerRevision; revisions: ControllerRevision[] }> {
  const data = revisionData(o.template);
  const sorted = [...o.revisions].sort((a, b) => a.revision - b.revision);
  const max = sorted.at(-1)?.revision ?? 0;
  const equal = sorted.filter((r) => sameData(r, data));
  const ns = o.owner.metadata.namespace;
  if (equal.length > 0) {
    const found = equal.at(-1)!;
    if (found.revision === max) return { update: found, revisions: sorted };
    const bumped = await o.client.patch<ControllerRevision>({ ...CONTROLLER_REVISIONS, namespace: ns, name: found.metadata.name ?? "" }, "merge", { revision: max + 1 }, { signal: o.signal });
    return { update: bumped, revisions: sorted.map((r) => (r.metadata.uid === bumped.metadata.uid ? bumped : r)) };
  }
  for (let collision = 0; ; collision++) {
    const hash = hashOf(data, collision);
    const rev: ControllerRevision = {
      apiVersion: "apps/v1", kind: "ControllerRevision",
      metadata: { name: `${o.owner.metadata.name}-${hash}`, namespace: ns, labels: { ...o.labels, "controller.kubernetes.io/hash": hash }, ownerReferences: [o.ownerRef] },
      data, revision: max + 1,
    };
    try {
      const created = await o.client.create<ControllerRevision>({ ...CONTROLLER_REVISIONS, namespace: ns }, rev, { signal: o.signal });
      return { update: created, revisions: [...sorted, created] };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      // Same name: ours with equal data (a stale cache) is reused; anything else is a hash collision.
      const existing = await o.client.get<ControllerRevision>({ ...CONTROLLER_REVISIONS, namespace: ns, name: rev.metadata.name ?? "" }, { signal: o.signal });
      const mine = existing.metadata.ownerReferences?.some((r) => r.uid === o.owner.metadata.uid);
      if (mine && sameData(existing, data)) return { update: existing, revisions: [...sorted.filter((r) => r.metadata.uid !== existing.metadata.uid), existing] };
      if (collision > 10) throw err;
    }
  }
}

/** Deletes the oldest revisions not in `live` beyond `limit` (spec.revisionHistoryLimit). */
export async function truncateHistory(client: ApiClient, revisions: readonly ControllerRevision[], live: ReadonlySet<string>, limit: number, signal?: AbortSignal): Promise<void> {
  const dead = [...revisions].filter((r) => !live.has(r.metadata.name ?? "")).sort((a, b) => a.revision - b.revision);
  for (const r of dead.slice(0, Math.max(0, dead.length - limit))) {
    try {
      await client.delete({ ...CONTROLLER_REVISIONS, namespace: r.metadata.namespace, name: r.metadata.name ?? "" }, { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
