/**
 * OpenAPI v3 components of a custom resource version, as apiextensions' builder publishes them:
 * `<reversed group>.<version>.<Kind>` (e.g. `com.example.stable.v1.CronTab`) with apiVersion,
 * kind and metadata added and the group-version-kind extension, plus its List kind; so that
 * `kubectl explain` prints field documentation.
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

export function customResourceComponents(group: string, version: string, kind: string, listKind: string, schema: JSONSchemaProps | undefined): { ref: string; components: Record<string, unknown> } {
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
  return { ref: `#/components/schemas/${name}`, components: { ...META_COMPONENTS, [name]: component, [listName]: list } };
}
