/**
 * PATCH bodies: JSON patch, merge patch, strategic merge patch (built-in kinds only; 415 for
 * others); apply patches go through write/field-management.ts (server-side apply).
 * A `metadata.resourceVersion` the patch sets is a precondition (checked by the update pipeline).
 */
import { apiErrors, ApiError } from "../../errors/index.ts";
import { applyJsonPatch, PatchError } from "../../machinery/json-patch.ts";
import { applyMergePatch } from "../../machinery/merge-patch.ts";
import { applyStrategicMergePatch } from "../../machinery/strategic-merge-patch.ts";
import { builtinPatchMeta } from "../../machinery/builtin-patch-meta.ts";
import type { KObject, ResourceDef } from "../../resources/index.ts";
import { bodyMediaType } from "../../request/negotiation.ts";
import { parseBodyText } from "../../request/body.ts";

export type PatchType = "json" | "merge" | "strategic" | "apply";

const PATCH_TYPES: Record<string, PatchType> = {
  "application/json-patch+json": "json",
  "application/merge-patch+json": "merge",
  "application/strategic-merge-patch+json": "strategic",
  "application/apply-patch+yaml": "apply",
};

export function patchTypeOf(def: ResourceDef, contentType: string | null): PatchType {
  const media = bodyMediaType(contentType);
  const type = PATCH_TYPES[media];
  const accepted = def.strategicMergePatch ? Object.keys(PATCH_TYPES) : Object.keys(PATCH_TYPES).filter((t) => !t.includes("strategic"));
  if (!type || (type === "strategic" && !def.strategicMergePatch)) throw apiErrors.unsupportedMediaType(media, accepted);
  return type;
}

export function parsePatchBody(type: PatchType, text: string): unknown {
  const body = parseBodyText(text, type === "apply");
  if (type === "json" ? !Array.isArray(body) : (!body || typeof body !== "object" || Array.isArray(body))) {
    if (type === "json") throw apiErrors.badRequest(`json: cannot unmarshal ${typeof body} into Go value of type jsonpatch.Patch`);
    throw apiErrors.badRequest(`couldn't get version/kind; json parse error: the patch must be a JSON object`);
  }
  return body;
}

function patchErrorToApi(err: unknown): unknown {
  if (!(err instanceof PatchError)) return err;
  switch (err.status) {
    case 400: return apiErrors.badRequest(err.message);
    case 413: return new ApiError(413, "RequestEntityTooLarge", err.message);
    case 422: return new ApiError(422, "Invalid", err.message);
    default: return apiErrors.internal(err);
  }
}

/** Apply `patch` to `current`; returns the patched document (not yet validated). */
export function applyPatch(def: ResourceDef, type: PatchType, current: KObject, patch: unknown): unknown {
  try {
    switch (type) {
      case "json": return applyJsonPatch(current, patch);
      case "merge": return applyMergePatch(current, patch);
      case "strategic": return applyStrategicMergePatch(current, patch, builtinPatchMeta(def.group, def.kind));
      case "apply":
        // Server-side apply needs field ownership: see write/field-management.ts. Callers that
        // only want the merged document (the scale view) get a plain merge.
        return applyMergePatch(current, patch);
    }
  } catch (err) {
    throw patchErrorToApi(err);
  }
}
