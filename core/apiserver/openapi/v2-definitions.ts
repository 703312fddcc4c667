/**
 * OpenAPI v2 `definitions` of the built-in kinds, derived from the v3 component schemas of the
 * built-in group-versions and shaped as kube-openapi publishes v2:
 * - `$ref`s point at `#/definitions/...` and sit beside their description and extensions
 *   (v3's `allOf: [{$ref}]` wrapper is unwrapped);
 * - `oneOf` does not exist in v2: int-or-string and Quantity become `type: string` (as upstream);
 * - a meta kind that every group-version's document tags with its own GVK (DeleteOptions, Status)
 *   carries the union of those GVKs, so each GVK names exactly one definition.
 *
 * Contract, because kube-openapi's v2 parser (pkg/util/proto, used by kubectl, client-go and
 * Argo CD) refuses the whole document otherwise: every `$ref` resolves to a definition, every
 * array has one `items` schema, a schema has at most one type, and a `$ref` has neither `type`
 * nor `properties`. The unit test checks all four over the built-in API.
 */

type Json = Record<string, unknown>;
type Gvk = { group: string; version: string; kind: string };

const V3_REF = "#/components/schemas/";
const V2_REF = "#/definitions/";
const GVK_KEY = "x-kubernetes-group-version-kind";

/** Merges the component schemas of several v3 documents into one v2 `definitions` object. */
export function v2DefinitionsFrom(componentSets: Iterable<Readonly<Record<string, unknown>>>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const components of componentSets) {
    for (const [name, schema] of Object.entries(components)) {
      const v2 = v2Schema(schema as Json);
      const seen = out[name];
      out[name] = seen ? withGvkUnion(seen, v2) : v2;
    }
  }
  return out;
}

/** One v3 schema as v2 (pure: the input is not changed). */
export function v2Schema(s: Json): Json {
  const out: Json = {};
  const allOf = s.allOf as Json[] | undefined;
  const wrapped = allOf?.length === 1 && typeof allOf[0]?.$ref === "string" ? allOf[0] : undefined;
  for (const [key, value] of Object.entries(s)) {
    switch (key) {
      case "allOf":
        if (!wrapped) out.allOf = (value as Json[]).map(v2Schema);
        break;
      case "oneOf": case "anyOf": case "nullable":
        break;
      case "$ref":
        out.$ref = v2Ref(value as string);
        break;
      case "properties":
        out.properties = Object.fromEntries(Object.entries(value as Record<string, Json>).map(([n, p]) => [n, v2Schema(p)]));
        break;
      case "items":
        out.items = v2Schema(value as Json);
        break;
      case "additionalProperties":
        out.additionalProperties = typeof value === "object" && value !== null ? v2Schema(value as Json) : value;
        break;
      default:
        out[key] = value;
    }
  }
  if (wrapped) out.$ref = v2Ref(wrapped.$ref as string);
  const alternatives = (s.oneOf ?? s.anyOf) as Json[] | undefined;
  if (alternatives && out.type === undefined && out.$ref === undefined) {
    const types = alternatives.map((a) => a.type);
    out.type = types.includes("string") ? "string" : types[0];
  }
  return out;
}

function v2Ref(ref: string): string {
  return ref.startsWith(V3_REF) ? V2_REF + ref.slice(V3_REF.length) : ref;
}

function withGvkUnion(seen: Json, next: Json): Json {
  const a = (seen[GVK_KEY] ?? []) as Gvk[];
  const b = (next[GVK_KEY] ?? []) as Gvk[];
  if (b.length === 0) return seen;
  const byKey = new Map<string, Gvk>();
  for (const g of [...a, ...b]) byKey.set(`${g.group}/${g.version}/${g.kind}`, g);
  const union = [...byKey.values()].sort((x, y) => (x.group + x.version + x.kind).localeCompare(y.group + y.version + y.kind));
  return { ...seen, [GVK_KEY]: union };
}
