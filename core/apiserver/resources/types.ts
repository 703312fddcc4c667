/**
 * The resource catalog's vocabulary: what one served resource is (names, scope, verbs,
 * subresources, selectable fields) and the strategy hooks that give it its semantics.
 */
import type { UserInfo } from "../authz/types.ts";
import type { FieldError } from "../errors/index.ts";
import type { AsyncConversion, StorageVersion } from "../conversion/types.ts";
import type { TablePrinter } from "../table/types.ts";
import type { NameRule } from "../validation/names.ts";

/** An API object as JSON. Strategies may read and write any field. */
// biome-ignore lint: objects are open JSON documents.
export type KObject = { apiVersion?: string; kind?: string; metadata: ObjectMeta; [field: string]: any };

export interface OwnerReference {
  apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  selfLink?: string;
}

export type Verb = "create" | "delete" | "deletecollection" | "get" | "list" | "patch" | "update" | "watch";

export const ALL_VERBS: readonly Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/**
 * How a subresource behaves in the REST engine:
 * - `status`: GET/PUT/PATCH the parent, but writes change only `.status`.
 * - `scale`: the autoscaling/v1 Scale view of `.spec.replicas`.
 * - `binding`, `eviction`, `token`, `finalize`, `approval`: special writes handled by the engine.
 * - `connect`: log/exec/attach/portforward/proxy, handed to the server's connect hook.
 * - `ephemeralcontainers`: writes change only `.spec.ephemeralContainers`.
 */
export type SubresourceKind = "status" | "scale" | "binding" | "eviction" | "token" | "finalize" | "approval" | "connect" | "ephemeralcontainers";

export interface SubresourceDef {
  readonly name: string;
  readonly handler: SubresourceKind;
  /** The response kind listed in discovery. */
  readonly responseKind: GroupVersionKind;
  readonly verbs: readonly string[];
  /** Scale subresources over other fields than `.spec.replicas`/`.status.replicas` (custom resources). */
  readonly scale?: ScalePaths;
}

/** Where a Scale's numbers live in the parent, as `.a.b` paths (CRD `subresources.scale`). */
export interface ScalePaths {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** See `Strategy.statusMetadata`. */
export type StatusMetadataPolicy = "kept" | "reset" | { readonly reset: readonly ("labels" | "annotations" | "finalizers" | "ownerReferences")[] };

/** What a strategy hook may use besides the object. */
export interface StrategyContext {
  readonly now: Date;
  /** The request's namespace ("" for cluster-scoped). */
  readonly namespace: string;
}

/**
 * Per-kind semantics, as the upstream registry strategies. Every hook is optional; the generic
 * engine supplies metadata handling, and `resources/strategy` fills in defaults for missing hooks.
 * Hooks mutate the object they are given (it is always a private copy).
 */
export interface Strategy {
  /** Set defaulted fields (runs on create and update, before validation). */
  defaults?(obj: KObject, ctx: StrategyContext): void;
  /** Before create: e.g. reset status that a user may not set. */
  prepareForCreate?(obj: KObject, ctx: StrategyContext): void;
  /** Before update: e.g. keep the old status when the main resource is written. */
  prepareForUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): void;
  /** Kind-specific validation on create (metadata is validated generically). */
  validate?(obj: KObject, ctx: StrategyContext): FieldError[];
  /** Kind-specific validation on update (immutable fields etc.). */
  validateUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): FieldError[];
  /**
   * What a write through the status subresource keeps of the metadata it sends (upstream: the
   * kind's status strategy). Unset or "kept": labels, annotations, finalizers and ownerReferences
   * as sent (status strategies that reset only spec: most built-in kinds). "reset": the stored
   * metadata stays (`ResetObjectMetaForStatus`, custom resources, FlowSchemas, APIServices).
   * `{ reset: [...] }`: kept except the listed fields (Pods reset ownerReferences, Deployments labels).
   * Name, uid, timestamps and generation never change through a status write.
   */
  statusMetadata?: StatusMetadataPolicy;
  /** Validation of writes through the status subresource (custom resources: the whole schema). */
  validateStatusUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): FieldError[];
  /** Extra field-selector fields besides metadata.name/metadata.namespace (upstream ToSelectableFields). */
  selectableFields?(obj: KObject): Record<string, string>;
  /**
   * Pod-style graceful deletion: the grace period to apply, or 0 to delete now.
   * `requested` is DeleteOptions.gracePeriodSeconds if given.
   */
  gracePeriod?(obj: KObject, requested: number | undefined): number;
  /** Kind-specific finalization that keeps a deleted object around (Namespace `spec.finalizers`). */
  pendingFinalization?(obj: KObject): boolean;
  /** Called when deletion starts but must wait (e.g. Namespace phase Terminating). */
  markDeleting?(obj: KObject): void;
  /**
   * Called when a delete request first reaches an object not yet deleting, before finalizers are
   * looked at: may add finalizers and conditions (CRD `customresourcecleanup` finalizer).
   */
  prepareForDelete?(obj: KObject, ctx: StrategyContext): void;
  /**
   * Schema-driven unknown-field handling at any depth (custom resources): remove the fields the
   * kind does not know from `obj` and return their paths (`spec.foo`). Without this hook only
   * top-level fields are checked, against `topLevelFields`.
   */
  pruneUnknownFields?(obj: KObject): string[];
  /** Adjust an object decoded from storage (defaults of custom resources); mutates `obj`. */
  fromStorage?(obj: KObject): void;
}

export interface ResourceDef {
  readonly group: string;
  readonly version: string;
  /** Plural resource name, e.g. `pods`. */
  readonly resource: string;
  readonly kind: string;
  readonly listKind: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly verbs: readonly Verb[];
  readonly subresources: readonly SubresourceDef[];
  /** How names are validated: DNS-1123 subdomain (default), DNS-1123/1035 label, or a path segment. */
  readonly nameRule: NameRule;
  /** Top-level fields besides apiVersion/kind/metadata that this kind has (for fieldValidation). */
  readonly topLevelFields: readonly string[];
  /** `.status` is written only through the status subresource. */
  readonly statusSplit: boolean;
  /** metadata.generation is set to 1 on create and bumped on every non-metadata, non-status change. */
  readonly tracksGeneration: boolean;
  /** PUT of a missing object creates it. */
  readonly allowCreateOnUpdate: boolean;
  /** PUT without metadata.resourceVersion is accepted (last write wins). */
  readonly allowUnconditionalUpdate: boolean;
  /** DELETE returns the deleted object (else a Success Status). */
  readonly returnDeletedObject: boolean;
  /** Strategic merge patch is accepted (built-in kinds only). */
  readonly strategicMergePatch: boolean;
  readonly strategy: Strategy;
  /** Server-side Table columns (default: the built-in printer for the resource, else Name/Age). */
  readonly tablePrinter?: TablePrinter;
  /**
   * The kind's OpenAPI v3 components and the `$ref` of its schema, when it brings its own (custom
   * resources), and its OpenAPI v2 definitions (served in `/openapi/v2`).
   */
  readonly openapi?: { readonly ref: string; readonly components: Readonly<Record<string, unknown>>; readonly v2Definitions?: Readonly<Record<string, unknown>> };
  /**
   * Identifies the storage behaviour (schema, defaults) of this def; watch caches of the resource
   * are rebuilt when a replacing def has a different value. Built-ins leave it unset.
   */
  readonly storageFingerprint?: string;
  /**
   * Shared storage with other served versions (conversion/): keys, storage version and
   * converters. Absent: stored under this def's own group/resource, in this version.
   */
  readonly storageVersion?: StorageVersion;
  /**
   * Conversion by an outside service (CRDs with conversion strategy Webhook, crd/webhook-converter.ts).
   * Set: decoded objects keep the apiVersion they were stored in; the store converts them to the
   * served version on every read (get, list, watch) and writes in `storageApiVersion`. Unset (every
   * other resource): no conversion work at all on reads.
   */
  readonly asyncConversion?: AsyncConversion;
  /**
   * Create-only, never-stored kinds (SubjectAccessReview, TokenReview): POST decodes the body,
   * calls this with the request's user and namespace and answers 201 with the returned object.
   */
  readonly createOnly?: CreateOnlyHandler;
  /**
   * Read-only kinds served by a plugin (plugin-groups/): get and list answer from these handlers;
   * nothing is stored and no watch cache exists for them.
   */
  readonly readOnly?: ReadOnlySource;
  /**
   * Stands for a resource of an aggregated API server (aggregator/): listed in discovery and
   * authorized here, but every request for it is proxied to that server.
   */
  readonly aggregated?: boolean;
}

/** Where a read-only kind's objects come from (a plugin's handlers, already typed). */
export interface ReadOnlySource {
  list(request: ReadOnlyRequest): Promise<readonly KObject[]>;
  get(name: string, request: ReadOnlyRequest): Promise<KObject | undefined>;
}

export interface ReadOnlyRequest {
  readonly namespace: string;
  readonly labelSelector: string;
  readonly fieldSelector: string;
  readonly user: UserInfo | undefined;
}

/** Computes the response of a create-only kind (usually the request plus `status`). May mutate `obj`. */
export type CreateOnlyHandler = (obj: KObject, request: { readonly user: UserInfo | undefined; readonly namespace: string }) => Promise<KObject> | KObject;

/** Fields a def may omit; `defineResource` fills them with the upstream defaults. */
export type ResourceDefInput = Pick<ResourceDef, "group" | "version" | "resource" | "kind" | "namespaced"> &
  Partial<Omit<ResourceDef, "group" | "version" | "resource" | "kind" | "namespaced">>;

export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
