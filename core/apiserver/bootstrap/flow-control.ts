/**
 * The API Priority and Fairness configuration objects, kept as kube-apiserver 1.32 keeps them, for as
 * long as the server runs (requests are classified with them by apiserver/flowcontrol/apf.ts):
 * - the bootstrap ensurer (`pkg/registry/flowcontrol/ensurer`, `rest/storage_flowcontrol.go`): missing
 *   mandatory and suggested objects are created; a mandatory object's spec and its
 *   `apf.kubernetes.io/autoupdate-spec: "true"` annotation are always put back (the `exempt` level keeps an
 *   administrator's `spec.exempt`); a suggested object's spec is put back only while the annotation says true
 *   (without a parseable annotation: while its generation is 1, and the annotation is then written);
 *   objects with the annotation set to true that are no longer bootstrap objects are deleted.
 * - the APF controller's FlowSchema status (`k8s.io/apiserver/pkg/util/flowcontrol`): every FlowSchema has a
 *   `Dangling` condition, True (NotFound) when the PriorityLevelConfiguration it references does not exist,
 *   False (Found) otherwise.
 * Upstream runs the ensurer every minute; here a pass runs after every change of either kind, coalesced.
 * Writes go through the normal pipeline (defaults, admission, validation) with upstream's field managers.
 */
import { ApiError } from "../errors/index.ts";
import type { KObject, ResourceDef } from "../resources/index.ts";
import { defaultPriorityLevelSpec, flowSchemaSpecsEqual, priorityLevelSpecsEqual, withDanglingCondition } from "../resources/strategies/flow-control.ts";
import {
  AUTO_UPDATE_ANNOTATION, PRIORITY_LEVEL_EXEMPT, mandatoryFlowSchemas, mandatoryPriorityLevelConfigurations,
  suggestedFlowSchemas, suggestedPriorityLevelConfigurations,
} from "../resources/strategies/flow-control-configuration.ts";
import type { ApiContext } from "../rest/context.ts";
import { createObject } from "../rest/write/create.ts";
import { deleteObject } from "../rest/write/delete.ts";
import type { FieldTracking } from "../rest/write/field-management.ts";
import { updateObject } from "../rest/write/update.ts";
import type { WatchCache } from "../watch-cache/watch-cache.ts";
import { bootstrapScope } from "./scope.ts";
import { keepInStep } from "./keeper.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** upstream's field managers: the ensurer writes configuration, the APF controller status. */
const PRODUCER: FieldTracking = { manager: "api-priority-and-fairness-config-producer-v1" };
const CONSUMER: FieldTracking = { manager: "api-priority-and-fairness-config-consumer-v1" };

/** One kind's ensure rules (upstream ObjectOps: how specs compare). */
interface Kind {
  readonly def: ResourceDef;
  readonly cache: WatchCache;
  readonly mandatory: readonly KObject[];
  readonly suggested: readonly KObject[];
  /** upstream's spec "equalish" check of a bootstrap object against the current one. */
  specUpToDate(bootstrap: KObject, current: KObject): boolean;
}

/** Go's strconv.ParseBool. */
export function parseGoBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  return undefined;
}

/**
 * upstream strategy.ShouldUpdate: the object the ensurer writes over `current`, or undefined when
 * `current` is as it should be. Mandatory objects are always auto-updated; suggested ones while the
 * annotation says true, or (annotation missing or unparseable) while the generation is 1.
 */
export function ensuredObject(current: KObject, bootstrap: KObject, mandatory: boolean, specUpToDate: (bootstrap: KObject, current: KObject) => boolean): KObject | undefined {
  const annotation = current.metadata.annotations?.[AUTO_UPDATE_ANNOTATION];
  const autoUpdate = mandatory || (parseGoBool(annotation) ?? current.metadata.generation === 1);
  const updateAnnotation = parseGoBool(annotation) !== autoUpdate;
  const specChanged = autoUpdate && !specUpToDate(bootstrap, current);
  if (!updateAnnotation && !specChanged) return undefined;
  const next: KObject = structuredClone(current);
  if (updateAnnotation) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [AUTO_UPDATE_ANNOTATION]: String(autoUpdate) };
  if (specChanged) next.spec = structuredClone(bootstrap.spec);
  return next;
}

/** upstream flowSchemaSpecEqualish (the bootstrap specs are already defaulted). */
function flowSchemaUpToDate(bootstrap: KObject, current: KObject): boolean {
  return flowSchemaSpecsEqual(bootstrap.spec, current.spec);
}

/** upstream plcSpecEqualish: the `exempt` level's spec.exempt is the administrator's to set. */
function priorityLevelUpToDate(bootstrap: KObject, current: KObject): boolean {
  const expected: Json = structuredClone(bootstrap.spec ?? {});
  defaultPriorityLevelSpec(expected);
  if (bootstrap.metadata.name === PRIORITY_LEVEL_EXEMPT) {
    const exempt = current.spec?.exempt;
    if (exempt == null) return false;
    expected.exempt = { ...expected.exempt, nominalConcurrencyShares: exempt.nominalConcurrencyShares, lendablePercent: exempt.lendablePercent };
  }
  return priorityLevelSpecsEqual(expected, current.spec);
}

/**
 * Ensures the configuration once, then keeps it (and the FlowSchemas' Dangling conditions) until
 * `ctx.signal` fires. Resolves after the first pass; a failed pass is logged and retried (the first one
 * too: the server does not fail to start over it).
 */
export async function maintainFlowControlConfiguration(ctx: ApiContext, opts: { retryMs?: number } = {}): Promise<void> {
  const fsDef = ctx.registry.find("flowcontrol.apiserver.k8s.io", "v1", "flowschemas");
  const plDef = ctx.registry.find("flowcontrol.apiserver.k8s.io", "v1", "prioritylevelconfigurations");
  if (!fsDef || !plDef) return;
  const levels: Kind = {
    def: plDef, cache: ctx.watchCache(plDef), specUpToDate: priorityLevelUpToDate,
    mandatory: mandatoryPriorityLevelConfigurations(), suggested: suggestedPriorityLevelConfigurations(),
  };
  const schemas: Kind = {
    def: fsDef, cache: ctx.watchCache(fsDef), specUpToDate: flowSchemaUpToDate,
    mandatory: mandatoryFlowSchemas(), suggested: suggestedFlowSchemas(),
  };
  await Promise.all([levels.cache.ready, schemas.cache.ready]);

  const pass = async (): Promise<void> => {
    // upstream order: suggested, then mandatory (priority levels first), then the removal of stale objects.
    let levelsRev = await ensureAll(ctx, levels, false);
    let schemasRev = await ensureAll(ctx, schemas, false);
    levelsRev = Math.max(levelsRev, await ensureAll(ctx, levels, true));
    schemasRev = Math.max(schemasRev, await ensureAll(ctx, schemas, true));
    await removeStale(ctx, schemas);
    await removeStale(ctx, levels);
    // The Dangling conditions are decided on caches that have seen this pass's creates and updates
    // (a deletion brings another pass).
    await Promise.all([levels.cache.waitForRevision(levelsRev, 5000), schemas.cache.waitForRevision(schemasRev, 5000)]);
    await syncDanglingConditions(ctx, schemas, levels);
  };

  await keepInStep(ctx, { what: "flowcontrol configuration", caches: [levels.cache, schemas.cache], pass, retryMs: opts.retryMs });
}

const ignorable = (err: unknown, ...reasons: string[]) => err instanceof ApiError && reasons.includes(err.reason);

const revisionOf = (obj: KObject | undefined): number => Number(obj?.metadata.resourceVersion ?? 0) || 0;

/** Ensures one kind's mandatory or suggested objects; returns the highest revision written (0: none). */
async function ensureAll(ctx: ApiContext, kind: Kind, mandatory: boolean): Promise<number> {
  let written = 0;
  for (const bootstrap of mandatory ? kind.mandatory : kind.suggested) {
    const name = bootstrap.metadata.name ?? "";
    const store = ctx.resourceStore(kind.def);
    const current = kind.cache.get(store.key("", name)) ?? (await store.get("", name))?.object;
    if (!current) {
      // A missing object is always created again, suggested or mandatory.
      try {
        const { object } = await createObject(ctx, bootstrapScope(kind.def, "create", "", ""), structuredClone(bootstrap), false, PRODUCER);
        written = Math.max(written, revisionOf(object));
      } catch (err) {
        if (!ignorable(err, "AlreadyExists")) throw err; // created meanwhile: the next pass looks again
      }
      continue;
    }
    if (!ensuredObject(current, bootstrap, mandatory, kind.specUpToDate)) continue;
    try {
      const { object } = await updateObject(ctx, bootstrapScope(kind.def, "update", "", name), {
        mode: "main", dryRun: false, allowCreate: false, requireResourceVersion: false, tracking: PRODUCER,
        // Decided again on the object as stored now.
        incoming: (now) => (now && ensuredObject(now, bootstrap, mandatory, kind.specUpToDate)) ?? now ?? { metadata: { name } },
      });
      written = Math.max(written, revisionOf(object));
    } catch (err) {
      if (!ignorable(err, "NotFound", "Conflict")) throw err;
    }
  }
  return written;
}

/** upstream removeDanglingBootstrapConfiguration: deletes annotated objects that are no longer bootstrap objects, while auto-updated. */
async function removeStale(ctx: ApiContext, kind: Kind): Promise<void> {
  const names = new Set([...kind.mandatory, ...kind.suggested].map((o) => o.metadata.name ?? ""));
  for (const { object } of kind.cache.snapshot().items) {
    const name = object.metadata.name ?? "";
    if (names.has(name) || parseGoBool(object.metadata.annotations?.[AUTO_UPDATE_ANNOTATION]) !== true) continue;
    try {
      await deleteObject(ctx, bootstrapScope(kind.def, "delete", "", name), name, { dryRun: false, preconditions: { uid: object.metadata.uid } });
    } catch (err) {
      if (!ignorable(err, "NotFound", "Conflict")) throw err;
    }
  }
}

/** Writes the Dangling condition of every FlowSchema whose condition is not as it should be. */
async function syncDanglingConditions(ctx: ApiContext, schemas: Kind, levels: Kind): Promise<void> {
  const levelNames = new Set(levels.cache.snapshot().items.map((i) => i.object.metadata.name ?? ""));
  for (const { object } of schemas.cache.snapshot().items) {
    const plName = String(object.spec?.priorityLevelConfiguration?.name ?? "");
    if (!withDanglingCondition(object.status, plName, levelNames.has(plName), ctx.now())) continue;
    const name = object.metadata.name ?? "";
    try {
      await updateObject(ctx, bootstrapScope(schemas.def, "update", "", name, "status"), {
        mode: "status", dryRun: false, allowCreate: false, requireResourceVersion: false, tracking: CONSUMER,
        incoming: (current) => {
          if (!current) return { metadata: { name } };
          const pl = String(current.spec?.priorityLevelConfiguration?.name ?? "");
          const status = withDanglingCondition(current.status, pl, levelNames.has(pl), ctx.now());
          return status ? { ...current, status } : current;
        },
      });
    } catch (err) {
      if (!ignorable(err, "NotFound", "Conflict")) throw err;
    }
  }
}
