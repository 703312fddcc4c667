// Path elements of structured-merge-diff (sigs.k8s.io/structured-merge-diff
// `fieldpath`): the steps of a path into an object. A field of a map, the key
// of an associative-list item, the value of a set item, or (unused here) an
// index. Their FieldsV1 spelling is `f:name`, `k:{"name":"c"}`, `v:"x"`, `i:0`.

import { isObject } from "../json-value.ts";

export type PathElement =
  | { readonly kind: "field"; readonly name: string }
  /** Key fields sorted by name, as upstream's KeyByFields. */
  | { readonly kind: "key"; readonly fields: readonly (readonly [string, unknown])[] }
  | { readonly kind: "value"; readonly value: unknown }
  | { readonly kind: "index"; readonly index: number };

export type Path = readonly PathElement[];

export const fieldElement = (name: string): PathElement => ({ kind: "field", name });

/** JSON with object keys sorted, so equal values always spell the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

/** The FieldsV1 spelling of one element; also its identity (equal elements spell the same). */
export function serializePathElement(pe: PathElement): string {
  switch (pe.kind) {
    case "field":
      return `f:${pe.name}`;
    case "key":
      return `k:{${pe.fields.map(([n, v]) => `${JSON.stringify(n)}:${canonicalJson(v)}`).join(",")}}`;
    case "value":
      return `v:${canonicalJson(pe.value)}`;
    case "index":
      return `i:${pe.index}`;
  }
}

/** Inverse of serializePathElement; throws on a malformed key. */
export function parsePathElement(s: string): PathElement {
  const body = s.slice(2);
  switch (s.slice(0, 2)) {
    case "f:":
      return { kind: "field", name: body };
    case "k:": {
      const obj: unknown = JSON.parse(body);
      if (!isObject(obj)) throw new Error(`invalid key path element ${JSON.stringify(s)}`);
      const fields = Object.keys(obj)
        .sort()
        .map((k) => [k, obj[k]] as const);
      return { kind: "key", fields };
    }
    case "v:":
      return { kind: "value", value: JSON.parse(body) as unknown };
    case "i:": {
      const index = Number(body);
      if (!Number.isInteger(index)) throw new Error(`invalid index path element ${JSON.stringify(s)}`);
      return { kind: "index", index };
    }
    default:
      throw new Error(`unknown path element type in ${JSON.stringify(s)}`);
  }
}

const kindRank = { field: 0, key: 1, value: 2, index: 3 } as const;

/** Total order of elements (upstream PathElement.Compare): fields < keys < values < indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return kindRank[a.kind] - kindRank[b.kind];
  switch (a.kind) {
    case "field":
      return compareStrings(a.name, (b as typeof a).name);
    case "key": {
      const bf = (b as typeof a).fields;
      for (let i = 0; ; i++) {
        const x = a.fields[i];
        const y = bf[i];
        if (!x && !y) return 0;
        if (!x) return -1;
        if (!y) return 1;
        const c = compareStrings(x[0], y[0]) || compareValues(x[1], y[1]);
        if (c !== 0) return c;
      }
    }
    case "value":
      return compareValues(a.value, (b as typeof a).value);
    case "index":
      return a.index - (b as typeof a).index;
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Upstream value.Compare: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === "number") return Math.sign(a - (b as number));
  if (typeof a === "string") return compareStrings(a, b as string);
  if (typeof a === "boolean") return Number(a) - Number(b as boolean);
  if (Array.isArray(a)) {
    const bl = b as unknown[];
    for (let i = 0; i < Math.min(a.length, bl.length); i++) {
      const c = compareValues(a[i], bl[i]);
      if (c !== 0) return c;
    }
    return a.length - bl.length;
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
      const c = compareStrings(ka[i]!, kb[i]!) || compareValues(a[ka[i]!], b[kb[i]!]);
      if (c !== 0) return c;
    }
    return ka.length - kb.length;
  }
  return 0;
}

function valueRank(v: unknown): number {
  if (typeof v === "number") return 0;
  if (typeof v === "string") return 1;
  if (typeof v === "boolean") return 2;
  if (Array.isArray(v)) return 3;
  if (isObject(v)) return 4;
  return 5;
}

/** Upstream value.ToString, as used in conflict messages (`"x"`, `80`, `[a,b]`). */
export function valueToString(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(valueToString).join(",")}]`;
  if (isObject(v)) {
    return Object.keys(v)
      .sort()
      .map((k) => `${k}=${valueToString(v[k])}`)
      .join("");
  }
  return "{{undefined}}";
}

/** Upstream PathElement.String: `.name`, `[name="c"]`, `[="v"]`, `[0]`. */
export function pathElementToString(pe: PathElement): string {
  switch (pe.kind) {
    case "field":
      return `.${pe.name}`;
    case "key":
      return `[${pe.fields.map(([n, v]) => `${n}=${valueToString(v)}`).join(",")}]`;
    case "value":
      return `[=${valueToString(pe.value)}]`;
    case "index":
      return `[${pe.index}]`;
  }
}

/** Upstream Path.String, e.g. `.spec.template.spec.containers[name="c"].image`. */
export function pathToString(path: Path): string {
  return path.map(pathElementToString).join("");
}
