/**
 * The declaration language for Kubernetes API types. Each type is declared once, as plain
 * immutable data; valibot schemas, OpenAPI schemas, protobuf decoding and strategic-merge
 * patch metadata are all derived from these declarations (see registry.ts).
 *
 * A field is `f(protoNumber, typeText, doc?, options?)`. Type text grammar:
 *   scalar   string | int32 | int64 | bool | double | bytes | IntOrString | Quantity
 *            | Time | MicroTime | Duration | RawExtension | FieldsV1 | JSON
 *   ref      TypeName (same package) | pkg/version.TypeName (e.g. `meta/v1.ObjectMeta`)
 *   list     []T          map      map<T>  (keys are always strings)
 *   pointer  *T           (a Go pointer: an explicit zero value is meaningful and kept)
 * Proto number 0 means "not carried in protobuf".
 */

export type PatchStrategy = "merge" | "replace" | "retainKeys" | "merge,retainKeys";
export type ListType = "atomic" | "set" | "map";
export type MapType = "atomic" | "granular";

export interface FieldOptions {
  /** Always present in upstream JSON (no omitempty) and listed as required in OpenAPI. */
  readonly required?: boolean;
  /** Allowed values (OpenAPI `enum`; not enforced by structural validation). */
  readonly enum?: readonly string[];
  /** Strategic-merge-patch strategy (`patchStrategy` tag). */
  readonly patch?: PatchStrategy;
  /** Strategic-merge-patch merge key (`patchMergeKey` tag). */
  readonly mergeKey?: string;
  readonly listType?: ListType;
  readonly mapKeys?: readonly string[];
  readonly mapType?: MapType;
  /** The referenced object's fields appear directly in this object's JSON (Go `json:",inline"`). */
  readonly inline?: boolean;
}

export interface FieldDecl extends FieldOptions {
  readonly proto: number;
  readonly type: string;
  readonly doc?: string;
}

export interface ObjectTypeDecl {
  readonly kind: "object";
  readonly doc: string;
  /** Keyed by JSON name (inline fields: by their protobuf name); order = declaration order. */
  readonly fields: Readonly<Record<string, FieldDecl>>;
  /** `atomic`: the whole struct is replaced by server-side apply (x-kubernetes-map-type). */
  readonly structType?: "atomic" | "granular";
}

/** A named list that protobuf wraps in a message (`message X { repeated T items = 1; }`), e.g. ExtraValue. */
export interface WrappedListTypeDecl {
  readonly kind: "wrappedList";
  readonly doc: string;
  readonly items: string;
}

export type TypeDecl = ObjectTypeDecl | WrappedListTypeDecl;

/** Declares a field. */
export function f(proto: number, type: string, docOrOptions?: string | FieldOptions, options?: FieldOptions): FieldDecl {
  const doc = typeof docOrOptions === "string" ? docOrOptions : undefined;
  const opts = typeof docOrOptions === "object" ? docOrOptions : options;
  return Object.freeze({ proto, type, ...(doc ? { doc } : {}), ...opts });
}

/** Declares an object type. */
export function object(doc: string, fields: Record<string, FieldDecl>, options: { structType?: "atomic" | "granular" } = {}): ObjectTypeDecl {
  return Object.freeze({ kind: "object", doc, fields: Object.freeze(fields), ...options });
}

/** Declares a protobuf-wrapped named list. */
export function wrappedList(items: string, doc = ""): WrappedListTypeDecl {
  return Object.freeze({ kind: "wrappedList", doc, items });
}

export interface KindOptions {
  /** Whether `<Kind>List` exists (default true). */
  readonly list?: boolean;
  /** Type that backs the kind, when it differs from the kind name. */
  readonly type?: string;
}

export interface ApiPackageDecl {
  /** Short id used in cross-package refs: `<first label of group, or core/meta>/<version>`. */
  readonly id: string;
  /** API group ("" for core). Kinds are served as `group/version`. */
  readonly group: string;
  readonly version: string;
  /** Prefix of OpenAPI component names, e.g. `io.k8s.api.apps.v1`. */
  readonly openapiPrefix: string;
  /** Top-level kinds of this group-version (they gain apiVersion/kind and, by default, a List). */
  readonly kinds: Readonly<Record<string, KindOptions>>;
  readonly types: Readonly<Record<string, TypeDecl>>;
}

/** Declares one API package (a Go package of k8s.io/api or apimachinery). */
export function defineApiPackage(decl: ApiPackageDecl): ApiPackageDecl {
  return Object.freeze(decl);
}
