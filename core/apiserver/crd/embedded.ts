/**
 * Objects under `x-kubernetes-embedded-resource: true` must carry apiVersion and kind
 * (apiextensions' objectmeta validation of embedded resources).
 */
import { fieldErrors, type FieldError } from "../errors/index.ts";
import type { JSONSchemaProps } from "./types.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

export function validateEmbeddedResources(schema: JSONSchemaProps, value: unknown, path = ""): FieldError[] {
  const errs: FieldError[] = [];
  const walk = (s: JSONSchemaProps | undefined, v: unknown, p: string, root: boolean) => {
    if (!s || v === null || v === undefined) return;
    if (Array.isArray(v)) {
      const items = Array.isArray(s.items) ? undefined : s.items;
      v.forEach((x, i) => walk(items, x, `${p}[${i}]`, false));
      return;
    }
    if (!isObject(v)) return;
    if (s["x-kubernetes-embedded-resource"] && !root) {
      const child = (k: string) => (p ? `${p}.${k}` : k);
      if (!("apiVersion" in v)) errs.push(fieldErrors.required(child("apiVersion")));
      else if (typeof v.apiVersion !== "string") errs.push(fieldErrors.invalid(child("apiVersion"), v.apiVersion, "must be a string"));
      else if (v.apiVersion === "") errs.push(fieldErrors.invalid(child("apiVersion"), "", "must not be empty"));
      if (!("kind" in v)) errs.push(fieldErrors.required(child("kind")));
      else if (typeof v.kind !== "string") errs.push(fieldErrors.invalid(child("kind"), v.kind, "must be a string"));
      else if (v.kind === "") errs.push(fieldErrors.invalid(child("kind"), "", "must not be empty"));
    }
    const ap = typeof s.additionalProperties === "object" ? s.additionalProperties : undefined;
    for (const [k, x] of Object.entries(v)) {
      const prop = s.properties?.[k] ?? ap;
      walk(prop, x, p ? `${p}.${k}` : k, false);
    }
  };
  walk(schema, value, path, true);
  return errs;
}
