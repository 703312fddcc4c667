/**
 * OpenAPI v3 components of a custom resource version, as apiextensions' builder publishes them:
 * `<reversed group>.<version>.<Kind>` (e.g. `com.example.stable.v1.CronTab`) with apiVersion,
 * kind and metadata added and the group-version-kind extension, plus its List kind; so that
 * `kubectl explain` prints field documentation. Also the OpenAPI v2 definitions of the same
 * (`/openapi/v2`), converted as the builder does for v2 (buildKubeNative with v2, ToStructuralOpenAPIV2).
 */
import type { JSONSchemaProps } from "./types.ts";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const API_VERSION_DOC = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DOC = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const METADATA_DOC = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

/** ObjectMeta/ListMeta, small but enough for explain to resolve `metadata`. */
const META_COMPONENTS: Record<string, unknown> = {
  [`${META}.ObjectMeta`]: {
    description: "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
    type: "object",
    properties: {
      annotations: { type: "object", additionalProperties: { type: "string", default: "" }, description: "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata." },
      creationTimestamp: { type: "string", format: "date-time", description: "CreationTimestamp is a timestamp representing the server time when this object was created." },
      finalizers: { type: "array", items: { type: "string", default: "" }, "x-kubernetes-list-type": "set", description: "Must be empty before the object is deleted from the registry." },
      generateName: { type: "string", description: "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided." },
      generation: { type: "integer", format: "int64", description: "A sequence number representing a specific generation of the desired state." },
      labels: { type: "object", additionalProperties: { type: "string", default: "" }, description: "Map of string keys and values that can be used to organize and categorize (scope and select) objects." },
      name: { type: "string", description: "Name must be unique within a namespace." },
      namespace: { type: "string", description: "Namespace defines the space within which each name must be unique." },
      resourceVersion: { type: "string", description: "An opaque value that represents the internal version of this object." },
      uid: { type: "string", description: "UID is the unique in time and space value for this object." },
    },
  },
  [`${META}.ListMeta`]: {
    description: "ListMeta describes metadata that synthetic resources must have, including lists and various status objects.",
    type: "object",
    properties: {
      continue: { type: "string", description: "continue may be set if the user set a limit on the number of items returned." },
      remainingItemCount: { type: "integer", format: "int64", description: "remainingItemCount is the number of subsequent items in the list which are not included in this list response." },
      resourceVersion: { type: "string", description: "String that identifies the server's internal version of this object." },
    },
  },
};

export function componentNameOf(group: string, version: string, kind: string): string {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

/** Schema as published: descriptions and structure kept, server-only extensions dropped. */
function publishable(s: JSONSchemaProps): JSONSchemaProps {
  const out: JSONSchemaProps = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === "x-kubernetes-validations") continue;
    if (k === "properties" && v && typeof v === "object") {
      out.properties = Object.fromEntries(Object.entries(v as Record<string, JSONSchemaProps>).map(([n, p]) => [n, publishable(p)]));
    } else if ((k === "items" || k === "additionalProperties" || k === "not") && v && typeof v === "object" && !Array.isArray(v)) {
      out[k] = publishable(v as JSONSchemaProps);
    } else if ((k === "allOf" || k === "anyOf" || k === "oneOf") && Array.isArray(v)) {
      out[k] = (v as JSONSchemaProps[]).map(publishable);
    } else {
      out[k] = structuredClone(v);
    }
  }
  return out;
}

export interface CustomResourceOpenAPI {
  /** `$ref` of the kind's v3 schema. */
  ref: string;
  /** OpenAPI v3 component schemas (the kind, its List, the meta types they refer to). */
  components: Record<string, unknown>;
  /** OpenAPI v2 definitions of the same (refs as `#/definitions/...`). */
  v2Definitions: Record<string, unknown>;
}

export function customResourceComponents(group: string, version: string, kind: string, listKind: string, schema: JSONSchemaProps | undefined): CustomResourceOpenAPI {
  const name = componentNameOf(group, version, kind);
  const listName = componentNameOf(group, version, listKind);
  const base = schema ? publishable(schema) : { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  const properties = {
    apiVersion: { type: "string", description: API_VERSION_DOC },
    kind: { type: "string", description: KIND_DOC },
    metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }], description: METADATA_DOC },
    ...(base.properties ?? {}),
  };
  const component = { ...base, type: "object", properties, "x-kubernetes-group-version-kind": [{ group, kind, version }] };
  const list = {
    description: `${listKind} is a list of ${kind}`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string", description: API_VERSION_DOC },
      items: { type: "array", description: `List of ${kind.toLowerCase()}s. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, items: { $ref: `#/components/schemas/${name}` } },
      kind: { type: "string", description: KIND_DOC },
      metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ListMeta` }], description: "Standard list metadata." },
    },
    "x-kubernetes-group-version-kind": [{ group, kind: listKind, version }],
  };
  // The schema's own metadata (name/generateName constraints) gives way to ObjectMeta.
  properties.metadata = { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }], description: METADATA_DOC };
  return {
    ref: `#/components/schemas/${name}`,
    components: { ...META_COMPONENTS, [name]: component, [listName]: list },
    v2Definitions: { ...META_COMPONENTS, [name]: v2KindDefinition(group, version, kind, schema), [listName]: v2ListDefinition(name, group, version, kind, listKind) },
  };
}

const v2Ref = (name: string, description: string) => ({ $ref: `#/definitions/${name}`, description });

/**
 * The v2 definition of the kind (upstream buildKubeNative with v2): without a schema, or when the
 * root preserves unknown fields, only `type: object` (properties would make kubectl reject unknown
 * fields); else the schema converted by toOpenAPIV2 with apiVersion, kind and metadata added.
 */
function v2KindDefinition(group: string, version: string, kind: string, schema: JSONSchemaProps | undefined): Record<string, unknown> {
  const gvk = { "x-kubernetes-group-version-kind": [{ group, kind, version }] };
  if (!schema || schema["x-kubernetes-preserve-unknown-fields"] === true) return { type: "object", ...gvk };
  const converted = toOpenAPIV2(publishable(schema));
  const properties = {
    ...(converted.properties as Record<string, unknown> | undefined ?? {}),
    metadata: v2Ref(`${META}.ObjectMeta`, METADATA_DOC),
    apiVersion: { type: "string", description: API_VERSION_DOC },
    kind: { type: "string", description: KIND_DOC },
  };
  return { ...converted, properties, ...gvk };
}

function v2ListDefinition(itemName: string, group: string, version: string, kind: string, listKind: string): Record<string, unknown> {
  return {
    description: `${listKind} is a list of ${kind}`,
    type: "object",
    required: ["items"],
    properties: {
      apiVersion: { type: "string", description: API_VERSION_DOC },
      items: { type: "array", description: `List of ${kind.toLowerCase()}s. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md`, items: { $ref: `#/definitions/${itemName}` } },
      kind: { type: "string", description: KIND_DOC },
      metadata: v2Ref(`${META}.ListMeta`, "Standard list metadata."),
    },
    "x-kubernetes-group-version-kind": [{ group, kind: listKind, version }],
  };
}

/**
 * Upstream ToStructuralOpenAPIV2, node by node from the root: junctors (allOf/anyOf/oneOf/not) go;
 * nullable nodes lose type, items and properties (and are no longer required by their parent);
 * nodes preserving unknown fields lose items and properties, and `type: object`; arrays left
 * without items lose their type (kubectl cannot handle any of these in v2).
 */
export function toOpenAPIV2(s: JSONSchemaProps): JSONSchemaProps {
  const out: JSONSchemaProps = { ...s };
  delete out.allOf; delete out.anyOf; delete out.oneOf; delete out.not;
  if (out.nullable) {
    delete out.type; delete out.nullable; delete out.items; delete out.properties;
  }
  const preserve = out["x-kubernetes-preserve-unknown-fields"] === true;
  if (preserve) { delete out.items; delete out.properties; }
  if (out.items === undefined && out.type === "array") delete out.type;
  if (preserve && out.type === "object") delete out.type;
  const properties = out.properties as Record<string, JSONSchemaProps> | undefined;
  if (properties && Array.isArray(out.required)) {
    const required = (out.required as string[]).filter((f) => !properties[f]?.nullable);
    if (required.length > 0) out.required = required; else delete out.required;
  }
  const additional = out.additionalProperties;
  if (additional && typeof additional === "object" && (additional as JSONSchemaProps).nullable) delete out.required;
  if (properties) out.properties = Object.fromEntries(Object.entries(properties).map(([n, p]) => [n, toOpenAPIV2(p)]));
  if (out.items && typeof out.items === "object" && !Array.isArray(out.items)) out.items = toOpenAPIV2(out.items as JSONSchemaProps);
  if (additional && typeof additional === "object") out.additionalProperties = toOpenAPIV2(additional as JSONSchemaProps);
  return out;
}
