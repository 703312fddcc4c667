/**
 * The CRD controller, run inside the API server (apiextensions' naming, establishing and
 * finalizer controllers in one level-triggered loop). For each CRD it:
 * - accepts names (or reports the conflict) and sets NamesAccepted and Established;
 * - serves the CRD's versions through the registry once Established (before Established is
 *   written, so a client that sees the condition can use the API);
 * - on deletion (the `customresourcecleanup` finalizer): marks it Terminating, deletes every
 *   custom object (objects with finalizers get a deletionTimestamp and are waited for), then
 *   removes the finalizer, deletes the CRD and stops serving.
 * `sync()` processes every stored CRD once (server start: APIs are served before ready).
 */
import type { Store } from "../../store/types.ts";
import { ConflictError, KeyNotFoundError } from "../../store/types.ts";
import type { ResourceDef, ResourceRegistry } from "../resources/index.ts";
import { stableStringify } from "../rest/write/object-meta.ts";
import { formatTime } from "../../kube-time.ts";
import { resourcePrefix } from "../storage/keys.ts";
import type { ResourceStore } from "../storage/resource-store.ts";
import type { WatchCache } from "../watch-cache/watch-cache.ts";
import { isConditionTrue, setCondition } from "./conditions.ts";
import { customResourceDefs, servedNames } from "./custom-resource.ts";
import { computeAcceptedNames } from "./names.ts";
import { CLEANUP_FINALIZER, type CRDObject } from "./types.ts";
import type { ServiceResolver } from "../admission/webhook/caller.ts";

export interface CrdControllerDeps {
  readonly registry: ResourceRegistry;
  /** The apiextensions.k8s.io/v1 customresourcedefinitions resource. */
  readonly crdDef: ResourceDef;
  readonly resourceStore: (def: ResourceDef) => ResourceStore;
  readonly watchCache: (def: ResourceDef) => WatchCache;
  readonly store: Store;
  readonly now: () => Date;
  readonly signal: AbortSignal;
  /** Where conversion webhooks' service references connect (absent: only url webhooks work). */
  readonly resolveService?: ServiceResolver;
  /** Delay before re-checking a CRD whose custom objects still wait on finalizers (default 1 s). */
  readonly retryMs?: number;
}

export interface CrdController {
  sync(): Promise<void>;
  /** Follow CRD changes until the signal fires. */
  start(): void;
  /** Resolves when no work is queued or running (tests). */
  idle(): Promise<void>;
}

const crdName = (key: string) => key.slice(key.lastIndexOf("/") + 1);

export function createCrdController(deps: CrdControllerDeps): CrdController {
  const { registry, crdDef, store } = deps;
  const rs = deps.resourceStore(crdDef);
  const queue = new Set<string>();
  let running: Promise<void> | undefined;
  const retryMs = deps.retryMs ?? 1000;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  deps.signal.addEventListener("abort", () => { for (const t of timers) clearTimeout(t); timers.clear(); });

  const allCRDs = (): CRDObject[] => deps.watchCache(crdDef).snapshot().items.map((i) => i.object as unknown as CRDObject);

  /** What the served defs depend on, per CRD: defs are rebuilt only when it changes. */
  const servedAs = new Map<string, string>();
  const serve = (crd: CRDObject) => {
    const name = crd.metadata.name ?? "";
    const terminating = !!crd.metadata.deletionTimestamp || isConditionTrue(crd.status, "Terminating");
    const key = stableStringify([crd.spec, crd.status?.acceptedNames, terminating]);
    if (servedAs.get(name) === key) return;
    servedAs.set(name, key);
    registry.setDynamic(name, customResourceDefs(crd, { resolveService: deps.resolveService }));
  };
  const unserve = (name: string) => {
    servedAs.delete(name);
    registry.setDynamic(name, []);
  };

  /** Write a new status when it differs; returns the stored object. */
  const writeStatus = async (name: string, mutate: (crd: CRDObject) => void): Promise<CRDObject | undefined> => {
    const result = await rs.guaranteedUpdate("", name, (current) => {
      if (!current) return { action: "none" };
      const next = structuredClone(current.object) as unknown as CRDObject;
      mutate(next);
      if (stableStringify(next.status) === stableStringify((current.object as unknown as CRDObject).status)) return { action: "none" };
      return { action: "update", object: next as unknown as typeof current.object };
    });
    return result.object as unknown as CRDObject | undefined;
  };

  const reconcileNames = async (crd: CRDObject): Promise<void> => {
    const name = crd.metadata.name ?? "";
    const { acceptedNames, condition } = computeAcceptedNames(crd, allCRDs());
    const accepted = condition.status === "True";
    const established = accepted || isConditionTrue(crd.status, "Established");
    const now = formatTime(deps.now());
    const apply = (c: CRDObject) => {
      c.status ??= { acceptedNames: { plural: "", kind: "" } };
      c.status.acceptedNames = acceptedNames;
      setCondition(c.status, condition, now);
      if (established) setCondition(c.status, { type: "Established", status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" }, now);
      else setCondition(c.status, { type: "Established", status: "False", reason: "NotAccepted", message: "not all names are accepted" }, now);
    };
    if (established) {
      const preview = structuredClone(crd);
      apply(preview);
      serve(preview);
    }
    const stored = await writeStatus(name, apply);
    if (stored && established) serve(stored);
    if (!established) unserve(name);
  };

  /** Deletes custom objects; returns how many remain (waiting on their finalizers). */
  const deleteInstances = async (crd: CRDObject): Promise<number> => {
    const prefix = resourcePrefix({ group: crd.spec.group, resource: servedNames(crd).plural });
    const listed = await store.list(prefix);
    let remaining = 0;
    for (const kv of listed.kvs) {
      const obj = JSON.parse(kv.value) as { metadata?: { finalizers?: string[]; deletionTimestamp?: string } };
      try {
        if ((obj.metadata?.finalizers ?? []).length === 0) { await store.delete(kv.key, kv.modRevision); continue; }
        remaining++;
        if (!obj.metadata?.deletionTimestamp) {
          obj.metadata = { ...obj.metadata, deletionTimestamp: formatTime(deps.now()) };
          await store.update(kv.key, JSON.stringify(obj), kv.modRevision);
        }
      } catch (err) {
        if (err instanceof ConflictError || err instanceof KeyNotFoundError) { remaining++; continue; }
        throw err;
      }
    }
    return remaining;
  };

  const finalize = async (crd: CRDObject): Promise<void> => {
    const name = crd.metadata.name ?? "";
    if (!(crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) {
      if ((crd.metadata.finalizers ?? []).length === 0) {
        await rs.guaranteedUpdate("", name, (cur) => (cur ? { action: "delete" } : { action: "none" })).catch(() => undefined);
      }
      return;
    }
    const now = () => formatTime(deps.now());
    const progressing = await writeStatus(name, (c) => {
      c.status ??= { acceptedNames: { plural: "", kind: "" } };
      setCondition(c.status, { type: "Terminating", status: "True", reason: "InstanceDeletionInProgress", message: "CustomResource deletion is in progress" }, now());
    });
    if (progressing && registry.resourcesOf(crd.spec.group, crd.spec.versions.find((v) => v.served)?.name ?? "").length > 0) serve(progressing);
    const remaining = await deleteInstances(crd);
    if (remaining > 0) {
      const t = setTimeout(() => { timers.delete(t); enqueue(name); }, retryMs);
      timers.add(t);
      return;
    }
    await rs.guaranteedUpdate("", name, (current) => {
      if (!current) return { action: "none" };
      const next = structuredClone(current.object) as unknown as CRDObject;
      next.status ??= { acceptedNames: { plural: "", kind: "" } };
      setCondition(next.status, { type: "Terminating", status: "False", reason: "InstanceDeletionCompleted", message: "removed all instances" }, now());
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
      if (next.metadata.finalizers.length === 0) return { action: "delete" };
      return { action: "update", object: next as unknown as typeof current.object };
    });
    unserve(name);
  };

  const reconcile = async (name: string): Promise<void> => {
    const current = await rs.get("", name);
    if (!current) { unserve(name); return; }
    const crd = current.object as unknown as CRDObject;
    if (crd.metadata.deletionTimestamp) return finalize(crd);
    await reconcileNames(crd);
    // A CRD whose names were refused may succeed now that this one changed.
    for (const other of allCRDs()) {
      if (other.metadata.name !== name && other.spec.group === crd.spec.group && !isConditionTrue(other.status, "NamesAccepted")) enqueue(other.metadata.name ?? "");
    }
  };

  const drain = async () => {
    while (queue.size > 0 && !deps.signal.aborted) {
      const name = queue.values().next().value as string;
      queue.delete(name);
      try { await reconcile(name); } catch (err) {
        if (deps.signal.aborted) return;
        console.error(`crd controller: ${name}: ${err instanceof Error ? err.message : String(err)}`);
        const t = setTimeout(() => { timers.delete(t); enqueue(name); }, retryMs);
        timers.add(t);
      }
    }
  };

  function enqueue(name: string): void {
    if (!name || deps.signal.aborted) return;
    queue.add(name);
    if (!running) running = drain().finally(() => { running = undefined; if (queue.size > 0) enqueue([...queue][0] as string); });
  }

  const subscribe = () => {
    const cache = deps.watchCache(crdDef);
    const rev = cache.revision;
    for (const c of allCRDs()) enqueue(c.metadata.name ?? "");
    cache.subscribe(rev, {
      onEvent: (e) => enqueue(crdName(e.key)),
      onEnd: (reason) => { if (reason === "reset" && !deps.signal.aborted) void cache.ready.then(() => setTimeout(subscribe, 50)); },
    });
  };

  return {
    async sync() {
      await deps.watchCache(crdDef).ready;
      for (const c of allCRDs()) enqueue(c.metadata.name ?? "");
      while (running) await running;
    },
    start() {
      if (deps.signal.aborted) return;
      subscribe();
    },
    async idle() {
      while (running) await running;
    },
  };
}
