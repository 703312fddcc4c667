/** Turning a decoded request body into an object of the resource being written. */
import { apiErrors } from "../../errors/index.ts";
import { apiVersionOf, type KObject, type ResourceDef } from "../../resources/index.ts";
import { checkUnknownFields } from "../field-validation.ts";
import type { FieldValidation } from "../options.ts";

/** Check type meta, prune unknown fields; returns the object and any field warnings. */
export function objectFromBody(def: ResourceDef, body: unknown, mode: FieldValidation): { obj: KObject; warnings: string[] } {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw apiErrors.badRequest("the object provided is unrecognized (must be of type " + def.kind + ")");
  }
  const raw = body as Record<string, unknown>;
  const expectedAV = apiVersionOf(def);
  if (raw.kind !== undefined && raw.kind !== "" && raw.kind !== def.kind) {
    throw apiErrors.badRequest(`the object provided is unrecognized (must be of type ${def.kind}): couldn't get version/kind; json parse error: kind ${JSON.stringify(raw.kind)} does not match ${def.kind}`);
  }
  if (typeof raw.apiVersion === "string" && raw.apiVersion !== "" && raw.apiVersion !== expectedAV) {
    const group = raw.apiVersion.includes("/") ? raw.apiVersion.split("/")[0] : "";
    if (group !== def.group) throw apiErrors.badRequest(`the API version in the data (${raw.apiVersion}) does not match the expected API version (${expectedAV})`);
  }
  if (raw.metadata !== undefined && (typeof raw.metadata !== "object" || raw.metadata === null || Array.isArray(raw.metadata))) {
    throw apiErrors.badRequest(`json: cannot unmarshal ${Array.isArray(raw.metadata) ? "array" : typeof raw.metadata} into Go struct field ${def.kind}.metadata of type v1.ObjectMeta`);
  }
  const warnings = checkUnknownFields(def, raw, mode);
  const obj = { ...raw, metadata: { ...((raw.metadata as object) ?? {}) } } as KObject;
  obj.apiVersion = expectedAV;
  obj.kind = def.kind;
  return { obj, warnings };
}
