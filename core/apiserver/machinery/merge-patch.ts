// RFC 7386 JSON Merge Patch (`application/merge-patch+json`) with the
// behaviour of evanphx/json-patch v4.12.0 `MergePatch`/`CreateMergePatch`,
// which kube-apiserver 1.32 uses. Details kept from v4: `null` members of a
// patch value that lands where nothing (or null) was are pruned, recursively,
// also inside objects nested in arrays; null array elements are kept.

import { PatchError } from "./json-patch.ts";
import { cloneJson, isObject, jsonEqual, jsonKind, type JsonObject } from "./json-value.ts";

export { PatchError };

function pruneNulls(v: unknown): unknown {
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null || v[k] === undefined) delete v[k];
      else pruneNulls(v[k]);
    }
  } else if (Array.isArray(v)) {
    for (const x of v) if (x !== null) pruneNulls(x);
  }
  return v;
}

function mergeValue(cur: unknown, patch: unknown): unknown {
  if (!isObject(cur)) return pruneNulls(patch);
  if (!isObject(patch)) return patch;
  mergeObjects(cur, patch);
  return cur;
}

function mergeObjects(doc: JsonObject, patch: JsonObject): void {
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null || v === undefined) {
      delete doc[k];
    } else if (!Object.hasOwn(doc, k) || doc[k] === null) {
      doc[k] = pruneNulls(v);
    } else {
      doc[k] = mergeValue(doc[k], v);
    }
  }
}

/**
 * Applies a merge patch to `doc` and returns the result; never mutates its
 * inputs. Throws PatchError(400) "Invalid JSON Patch" when the patch is null
 * or a scalar, and "Invalid JSON Document" when doc is null/undefined.
 * A non-object patch (an array) replaces the document, as in v4.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (doc === null || doc === undefined) throw new PatchError("Invalid JSON Document", 400);
  if (Array.isArray(patch)) return pruneNulls(cloneJson(patch));
  if (!isObject(patch)) throw new PatchError("Invalid JSON Patch", 400);
  const p = cloneJson(patch);
  if (!isObject(doc)) return pruneNulls(p);
  const out = cloneJson(doc);
  mergeObjects(out, p);
  return out;
}

function diffObjects(a: JsonObject, b: JsonObject): JsonObject {
  const into: JsonObject = {};
  for (const key of Object.keys(b)) {
    const bv = b[key];
    if (!Object.hasOwn(a, key)) {
      into[key] = cloneJson(bv);
      continue;
    }
    const av = a[key];
    if (jsonKind(av) !== jsonKind(bv)) {
      into[key] = cloneJson(bv);
    } else if (isObject(av) && isObject(bv)) {
      const d = diffObjects(av, bv);
      if (Object.keys(d).length > 0) into[key] = d;
    } else if (!jsonEqual(av, bv)) {
      into[key] = cloneJson(bv);
    }
  }
  for (const key of Object.keys(a)) if (!Object.hasOwn(b, key)) into[key] = null;
  return into;
}

/**
 * The merge patch that turns `original` into `modified` (v4
 * `CreateMergePatch`): changed members, `null` for removed ones, arrays
 * replaced whole. Two arrays of equal length give an array of per-element
 * patches. Throws PatchError on mismatched or non-container inputs.
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (Array.isArray(original) && Array.isArray(modified)) {
    if (original.length !== modified.length) throw new PatchError("Invalid JSON Document", 400);
    return original.map((o, i) => createMergePatch(o, modified[i]));
  }
  if (Array.isArray(original) || Array.isArray(modified)) throw new PatchError("Mismatched JSON Documents", 400);
  if (!isObject(original) || !isObject(modified)) throw new PatchError("Invalid JSON Document", 400);
  return diffObjects(original, modified);
}
