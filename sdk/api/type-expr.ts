/** Parsed form of a field's type text (see dsl.ts for the grammar). */

export const SCALAR_NAMES = [
  "string", "int32", "int64", "bool", "double", "bytes", "IntOrString", "Quantity",
  "Time", "MicroTime", "Duration", "RawExtension", "FieldsV1", "JSON",
] as const;
export type ScalarName = (typeof SCALAR_NAMES)[number];

export type TypeExpr =
  | { readonly k: "scalar"; readonly name: ScalarName }
  | { readonly k: "list"; readonly of: TypeExpr }
  | { readonly k: "map"; readonly of: TypeExpr }
  /** A declared type, by registry key `<package id>.<TypeName>`. */
  | { readonly k: "ref"; readonly key: string };

const SCALARS: ReadonlySet<string> = new Set(SCALAR_NAMES);

/**
 * Parses type text declared in package `pkgId`. A leading `*` (pointer) is reported separately
 * and allowed only at the top. Throws on malformed text; ref names are resolved later.
 */
export function parseTypeText(text: string, pkgId: string): { type: TypeExpr; pointer: boolean } {
  const pointer = text.startsWith("*");
  return { type: parseInner(pointer ? text.slice(1) : text, pkgId, text), pointer };
}

function parseInner(t: string, pkgId: string, whole: string): TypeExpr {
  if (t.startsWith("[]")) return { k: "list", of: parseInner(t.slice(2), pkgId, whole) };
  if (t.startsWith("map<") && t.endsWith(">")) return { k: "map", of: parseInner(t.slice(4, -1), pkgId, whole) };
  if (SCALARS.has(t)) return { k: "scalar", name: t as ScalarName };
  if (!/^([a-z0-9]+\/v[a-z0-9]+\.)?[A-Z]\w*$/.test(t)) throw new Error(`bad type text "${whole}" in ${pkgId}`);
  return { k: "ref", key: t.includes(".") ? t : `${pkgId}.${t}` };
}

/** Type text of an expression, for messages. */
export function typeExprText(t: TypeExpr): string {
  switch (t.k) {
    case "scalar": return t.name;
    case "list": return `[]${typeExprText(t.of)}`;
    case "map": return `map<${typeExprText(t.of)}>`;
    case "ref": return t.key;
  }
}
