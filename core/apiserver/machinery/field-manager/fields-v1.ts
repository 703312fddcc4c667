// The FieldsV1 wire format of managedFields (upstream fieldpath
// serialize.go): a JSON object whose keys are serialized path elements
// (`f:`, `k:`, `v:`, `i:`); `{}` marks a member leaf, and `".": {}` marks a
// node that is a member and also has children. Keys are sorted.

import { isObject, type JsonObject } from "../json-value.ts";
import { childFor, emptySet, sortedEntries, type FieldSet } from "./field-set.ts";
import { parsePathElement } from "./path-element.ts";

/** Encodes a set as a FieldsV1 object (key order as upstream emits it). */
export function encodeFieldsV1(s: FieldSet): JsonObject {
  return encodeNode(s, false);
}

function encodeNode(s: FieldSet, includeSelf: boolean): JsonObject {
  const out: JsonObject = {};
  if (includeSelf && s.member && s.children.size > 0) out["."] = {};
  // A child's map key is its serializePathElement spelling (field-set.ts invariant).
  for (const [k, c] of sortedEntries(s)) out[k] = encodeNode(c.set, true);
  return out;
}

/** Decodes a FieldsV1 object; throws Error on malformed input. */
export function decodeFieldsV1(v: unknown): FieldSet {
  if (!isObject(v)) throw new Error("FieldsV1 must be a JSON object");
  const s = emptySet();
  decodeInto(s, v);
  return s;
}

function decodeInto(s: FieldSet, v: JsonObject): void {
  for (const [k, sub] of Object.entries(v)) {
    if (!isObject(sub)) throw new Error(`FieldsV1 entry ${JSON.stringify(k)} must be an object`);
    if (k === ".") {
      s.member = true;
      continue;
    }
    const child = childFor(s, parsePathElement(k));
    if (Object.keys(sub).length === 0) child.member = true;
    else decodeInto(child, sub);
  }
}
