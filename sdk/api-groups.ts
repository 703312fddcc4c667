/**
 * The API-group extension point (`coreServices.apiGroups`): a plugin serves a read-only
 * group/version (verbs get and list), such as metrics.k8s.io/v1beta1, through the API server.
 * Requests get the same authentication and authorization as built-in resources (RBAC on the group
 * and resource), and the group appears in legacy and aggregated discovery while it is served.
 *
 * How several implementations combine: exactly one owner per group/version. Serving a
 * group/version that is already served (built in, by a CRD, or by another plugin) throws.
 */
import type { KubeObject } from "./client/resource.ts";

/** What a read handler is told about the request. */
export interface ApiGroupReadRequest {
  /** The request's namespace; "" for cluster-scoped resources and for lists across all namespaces. */
  readonly namespace: string;
  /**
   * The list's label and field selectors as sent ("" when none). The server filters what a handler
   * returns by both anyway (on `metadata.labels`, `metadata.name` and `metadata.namespace`); a handler
   * may use them only to do less work.
   */
  readonly labelSelector: string;
  readonly fieldSelector: string;
  /** The authenticated user (already authorized for this verb on this resource). */
  readonly user?: { readonly username: string; readonly groups: readonly string[] };
}

/** One extra Table column (`kubectl get` output); the server puts a `Name` column first. */
export interface ApiGroupTableColumn<T extends KubeObject = KubeObject> {
  readonly name: string;
  readonly type: "string" | "integer" | "number" | "boolean" | "date";
  /** OpenAPI format, e.g. "quantity", "duration" (default ""). */
  readonly format?: string;
  readonly description?: string;
  /** 0 (default): always shown; higher: only with `-o wide`. */
  readonly priority?: number;
  cell(obj: T): string | number | boolean | null;
}

/** One resource of a plugin-served group/version. Handlers must not keep or mutate what they return afterwards. */
export interface ApiGroupResource<T extends KubeObject = KubeObject> {
  /** Plural, lower case: the REST path segment and RBAC resource, e.g. "pods". */
  readonly resource: string;
  /** e.g. "PodMetrics"; lists are `<kind>List`. */
  readonly kind: string;
  /** Default: the kind in lower case. */
  readonly singular?: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
  /**
   * The objects of a collection: one namespace's, or every namespace's when `request.namespace` is "".
   * The server sets `kind`/`apiVersion`, filters by the selectors and sorts nothing: return them in the order to show.
   */
  list(request: ApiGroupReadRequest): Promise<readonly T[]> | readonly T[];
  /** One object; undefined answers 404 NotFound. */
  get(name: string, request: ApiGroupReadRequest): Promise<T | undefined> | T | undefined;
  /** Server-side Table columns after `Name` (default: `Name` and `Created At`). */
  readonly columns?: readonly ApiGroupTableColumn<T>[];
}

export interface ApiGroupDefinition {
  /** A DNS subdomain with at least one dot, e.g. "metrics.k8s.io". */
  readonly group: string;
  /** e.g. "v1beta1". */
  readonly version: string;
  // biome-ignore lint: resources of different object types.
  readonly resources: readonly ApiGroupResource<any>[];
}

export interface ApiGroups {
  /**
   * Starts serving a read-only group/version. Throws if the group/version is served already or the
   * definition is malformed. Returns a function that stops serving it (idempotent); whatever a plugin
   * serves is also removed when the plugin stops, so the group disappears from discovery and another
   * implementation (e.g. a user's APIService) can take its place.
   */
  serve(definition: ApiGroupDefinition): () => void;
}
