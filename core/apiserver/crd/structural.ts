/**
 * Checks that a CRD version's openAPIV3Schema is structural and uses only what apiextensions
 * allows (a subset of apiextensions' ValidateStructural and schema validation): a type at every
 * specified field (except under int-or-string / preserve-unknown-fields), object at the root,
 * items for arrays, no uniqueItems, properties xor additionalProperties, no $ref/patternProperties,
 * metadata at the root limited to name/generateName, valid patterns, defaults that validate.
 * Paths are `...openAPIV3Schema.properties[spec].type` as upstream prints them.
 */
import { schemaPattern } from "./schema-pattern.ts";
import { fieldErrors, formatFieldError, type FieldError } from "../errors/index.ts";
import { validateAgainstSchema } from "./schema-validate.ts";
import type { JSONSchemaProps } from "./types.ts";

type Level = "root" | "field" | "item";
const TYPES = ["array", "boolean", "integer", "number", "object", "string"];
const UNSUPPORTED = ["id", "additionalItems", "patternProperties", "definitions", "dependencies", "$ref"];

export function validateStructuralSchema(schema: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  walk(schema, "root", path, errs, false);
  errs.sort((a, b) => (formatFieldError(a) < formatFieldError(b) ? -1 : 1));
  return errs;
}

function walk(s: JSONSchemaProps, lvl: Level, path: string, errs: FieldError[], nested: boolean): void {
  const at = (k: string) => `${path}.${k}`;
  if (s.type !== undefined && !TYPES.includes(s.type)) errs.push(fieldErrors.notSupported(at("type"), s.type, TYPES));
  if (s.type === "null") errs.push(fieldErrors.forbidden(at("type"), "type cannot be set to null, use nullable as an alternative"));
  for (const k of UNSUPPORTED) if (s[k] !== undefined) errs.push(fieldErrors.forbidden(at(k), `${k} is not supported`));
  if (s.uniqueItems) errs.push(fieldErrors.forbidden(at("uniqueItems"), "uniqueItems cannot be set to true since the runtime complexity becomes quadratic"));
  if (s["x-kubernetes-preserve-unknown-fields"] === false) errs.push(fieldErrors.invalid(at("x-kubernetes-preserve-unknown-fields"), false, "must be true or undefined"));
  if (s.pattern !== undefined) {
    const re = schemaPattern(s.pattern);
    if (re instanceof Error) errs.push(fieldErrors.invalid(at("pattern"), s.pattern, `must be a valid regular expression, but isn't: ${re.message}`));
  }
  if (Array.isArray(s.items)) errs.push(fieldErrors.forbidden(at("items"), "items must be a schema object and not an array"));
  if (nested) {
    // Inside anyOf/allOf/oneOf/not only value validations are structural.
    if (s.type !== undefined) errs.push(fieldErrors.forbidden(at("type"), "must be empty to be structural"));
    if (s.additionalProperties !== undefined) errs.push(fieldErrors.forbidden(at("additionalProperties"), "must be undefined to be structural"));
    if (s.default !== undefined) errs.push(fieldErrors.forbidden(at("default"), "must be undefined to be structural"));
    if (s.description !== undefined) errs.push(fieldErrors.forbidden(at("description"), "must be empty to be structural"));
    if (s.nullable) errs.push(fieldErrors.forbidden(at("nullable"), "must be false to be structural"));
  } else {
    const intOrString = !!s["x-kubernetes-int-or-string"];
    const preserve = !!s["x-kubernetes-preserve-unknown-fields"];
    const embedded = !!s["x-kubernetes-embedded-resource"];
    if (s.type === "array" && !s.items) errs.push(fieldErrors.required(at("items"), "must be specified"));
    if (embedded && s.type !== "object") {
      if (!s.type) errs.push(fieldErrors.required(at("type"), "must be object if x-kubernetes-embedded-resource is true"));
      else errs.push(fieldErrors.invalid(at("type"), s.type, "must be object if x-kubernetes-embedded-resource is true"));
    } else if (!s.type && !intOrString && !preserve) {
      const detail = lvl === "root" ? "must not be empty at the root" : lvl === "item" ? "must not be empty for specified array items" : "must not be empty for specified object fields";
      errs.push(fieldErrors.required(at("type"), detail));
    }
    if (lvl === "root" && s.type && s.type !== "object") errs.push(fieldErrors.invalid(at("type"), s.type, "must be object at the root"));
    if (s.additionalProperties !== undefined) {
      if (lvl === "root") errs.push(fieldErrors.forbidden(at("additionalProperties"), "must not be used at the root"));
      if (Object.keys(s.properties ?? {}).length > 0 && s.additionalProperties !== true) {
        errs.push(fieldErrors.forbidden(at("additionalProperties"), "additionalProperties and properties are mutual exclusive"));
      }
    }
    if (intOrString && preserve) errs.push(fieldErrors.invalid(at("x-kubernetes-preserve-unknown-fields"), true, "must be false if x-kubernetes-int-or-string is true"));
    if (embedded && !preserve && Object.keys(s.properties ?? {}).length === 0) {
      errs.push(fieldErrors.required(at("properties"), "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"));
    }
    const meta = s.properties?.metadata;
    if (meta && (lvl === "root" || embedded)) {
      const mp = `${path}.properties[metadata]`;
      if (meta.type !== "object") errs.push(fieldErrors.invalid(`${mp}.type`, meta.type ?? "", "must be object"));
      if (lvl === "root") {
        const extra = Object.keys(meta.properties ?? {}).filter((k) => k !== "name" && k !== "generateName");
        const otherKeys = Object.keys(meta).filter((k) => !["type", "properties", "default", "description"].includes(k));
        if (extra.length > 0 || otherKeys.length > 0) errs.push(fieldErrors.forbidden(mp, "must not specify anything other than name and generateName, but metadata is implicitly specified"));
      }
    }
    if (s.default !== undefined) {
      if (lvl === "root") errs.push(fieldErrors.forbidden(at("default"), "must not be set at the root"));
      else {
        const bad = validateAgainstSchema({ ...s, default: undefined }, s.default, "");
        if (bad.length > 0) errs.push(fieldErrors.invalid(at("default"), s.default, bad.map(formatFieldError).join(", ")));
      }
    }
  }
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    walk(p, "field", `${path}.properties[${k}]`, errs, nested);
  }
  if (s.items && !Array.isArray(s.items)) walk(s.items, "item", `${path}.items`, errs, nested);
  if (typeof s.additionalProperties === "object") walk(s.additionalProperties, "field", `${path}.additionalProperties`, errs, nested);
  for (const k of ["allOf", "anyOf", "oneOf"] as const) {
    if (isIntOrStringPattern(s, k)) continue;
    s[k]?.forEach((x, i) => walk(x, "field", `${path}.${k}[${i}]`, errs, true));
  }
  if (s.not) walk(s.not, "field", `${path}.not`, errs, true);
}

function isIntOrStringPattern(s: JSONSchemaProps, k: "allOf" | "anyOf" | "oneOf"): boolean {
  if (!s["x-kubernetes-int-or-string"] || k !== "anyOf") return false;
  const types = (s.anyOf ?? []).map((x) => x.type);
  return types.length === 2 && types[0] === "integer" && types[1] === "string";
}
