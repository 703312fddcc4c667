// RFC 6902 JSON Patch with the exact semantics (and error texts) of
// gopkg.in/evanphx/json-patch.v4 v4.12.0, which kube-apiserver 1.32 uses for
// `application/json-patch+json`. Notable v4 behaviours kept on purpose:
//  - `replace` of a missing *object member* whose parent exists acts like
//    `add` (v4.12 only rejects missing array indexes and missing parents);
//    pass `{ strictReplace: true }` for RFC 6902's "target MUST exist".
//  - negative array indexes are accepted (`-1` = last element; for `add`,
//    `-1` appends).
//  - `remove` of a missing member fails; a member holding `null` counts as
//    missing for traversal, `replace` and `test`.
//  - `replace` of the whole document ("") with a non-container is a no-op.

import { cloneJson, isObject, jsonEqual, type JsonObject } from "./json-value.ts";

/**
 * A patch that cannot be decoded (400), is too large (413) or does not apply
 * (422). Strategic merge patch uses 500 where upstream returns a plain error.
 */
export class PatchError extends Error {
  override name = "PatchError";
  constructor(
    message: string,
    /** HTTP status the API server should answer with. */
    readonly status: 400 | 413 | 422 | 500 = 422,
  ) {
    super(message);
  }
}

export interface JsonPatchOptions {
  /** Reject `replace` of a missing object member (RFC 6902); v4 accepts it. */
  strictReplace?: boolean;
}

/** kube-apiserver's `maxJSONPatchOperations`. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const MISSING = "missing value";
const INVALID_INDEX = "invalid index referenced";
const TEST_FAILED = "test failed";

/** Error text of Go's strconv.Atoi, or the parsed int. */
function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = BigInt(s);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  return Number(n);
}

class OpError extends Error {}

type Container = JsonObject | unknown[];

function decodeKey(k: string): string {
  return k.replace(/~1/g, "/").replace(/~0/g, "~");
}

function containerGet(c: Container, key: string): unknown {
  if (!Array.isArray(c)) return Object.hasOwn(c, key) ? c[key] : undefined;
  const r = atoi(key);
  if (typeof r === "string") throw new OpError(r);
  let idx = r;
  if (idx < 0) {
    if (idx < -c.length) throw new OpError(`Unable to access invalid index: ${r}: ${INVALID_INDEX}`);
    idx += c.length;
  }
  if (idx >= c.length) throw new OpError(`Unable to access invalid index: ${r}: ${INVALID_INDEX}`);
  return c[idx];
}

function containerSet(c: Container, key: string, val: unknown): void {
  if (!Array.isArray(c)) {
    c[key] = val;
    return;
  }
  const r = atoi(key);
  if (typeof r === "string") throw new OpError(r);
  let idx = r;
  if (idx < 0) {
    if (idx < -c.length) throw new OpError(`Unable to access invalid index: ${r}: ${INVALID_INDEX}`);
    idx += c.length;
  }
  c[idx] = val;
}

function containerAdd(c: Container, key: string, val: unknown): void {
  if (!Array.isArray(c)) {
    c[key] = val;
    return;
  }
  if (key === "-") {
    c.push(val);
    return;
  }
  const r = atoi(key);
  if (typeof r === "string") throw new OpError(`value was not a proper array index: '${key}': ${r}`);
  const size = c.length + 1;
  let idx = r;
  if (idx >= size) throw new OpError(`Unable to access invalid index: ${r}: ${INVALID_INDEX}`);
  if (idx < 0) {
    if (idx < -size) throw new OpError(`Unable to access invalid index: ${r}: ${INVALID_INDEX}`);
    idx += size;
  }
  c.splice(idx, 0, val);
}

function containerRemove(c: Container, key: string): void {
  if (!Array.isArray(c)) {
    if (!Object.hasOwn(c, key)) throw new OpError(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete c[key];
    return;
  }
  const r = atoi(key);
  if (typeof r === "string") throw new OpError(r);
  let idx = r;
  if (idx >= c.length) throw new OpError(`Unable to access invalid index: ${r}: ${INVALID_INDEX}`);
  if (idx < 0) {
    if (idx < -c.length) throw new OpError(`Unable to access invalid index: ${r}: ${INVALID_INDEX}`);
    idx += c.length;
  }
  c.splice(idx, 1);
}

/** upstream `findObject`: the parent container of `path` and its last key, or undefined. */
function findObject(root: Container, path: string): [Container, string] | undefined {
  const split = path.split("/");
  if (split.length < 2) return undefined;
  let doc: Container = root;
  for (const part of split.slice(1, -1)) {
    let next: unknown;
    try {
      next = containerGet(doc, decodeKey(part));
    } catch {
      return undefined;
    }
    if (Array.isArray(next) || isObject(next)) doc = next;
    else return undefined;
  }
  return [doc, decodeKey(split[split.length - 1]!)];
}

function wrap(msg: string, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof OpError) throw new OpError(`${msg}: ${e.message}`);
    throw e;
  }
}

type Op = JsonObject;

/** Operation.Path()/From(): the string, or the wrapped Go error text. */
function stringField(op: Op, name: "path" | "from"): string | OpError {
  const v = op[name];
  if (v === undefined || v === null) {
    return new OpError(name === "path" ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}`);
  }
  if (typeof v !== "string") {
    const t = Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v;
    return new OpError(`json: cannot unmarshal ${t} into Go value of type string`);
  }
  return v;
}

function opValue(op: Op): unknown {
  return op["value"] === undefined ? null : cloneJson(op["value"]);
}

function applyOne(holder: { doc: Container }, op: Op, opts: JsonPatchOptions): void {
  const kind = typeof op["op"] === "string" ? (op["op"] as string) : "unknown";
  switch (kind) {
    case "add": {
      const path = stringField(op, "path");
      if (path instanceof OpError) throw new OpError(`add operation failed to decode path: ${MISSING}`);
      const found = findObject(holder.doc, path);
      if (!found) throw new OpError(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
      wrap(`error in add for path: '${path}'`, () => containerAdd(found[0], found[1], opValue(op)));
      return;
    }
    case "remove": {
      const path = stringField(op, "path");
      if (path instanceof OpError) throw new OpError(`remove operation failed to decode path: ${MISSING}`);
      const found = findObject(holder.doc, path);
      if (!found) throw new OpError(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
      wrap(`error in remove for path: '${path}'`, () => containerRemove(found[0], found[1]));
      return;
    }
    case "replace": {
      const path = stringField(op, "path");
      if (path instanceof OpError) throw new OpError(`replace operation failed to decode path: ${path.message}`);
      if (path === "") {
        const v = opValue(op);
        if (Array.isArray(v) || isObject(v)) holder.doc = v;
        return;
      }
      const found = findObject(holder.doc, path);
      if (!found) throw new OpError(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
      const [con, key] = found;
      let current: unknown;
      try {
        current = containerGet(con, key);
      } catch {
        throw new OpError(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
      }
      if (opts.strictReplace && !Array.isArray(con) && (current === undefined || !Object.hasOwn(con, key))) {
        throw new OpError(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
      }
      wrap(`error in remove for path: '${path}'`, () => containerSet(con, key, opValue(op)));
      return;
    }
    case "move": {
      const from = stringField(op, "from");
      if (from instanceof OpError) throw new OpError(`move operation failed to decode from: ${from.message}`);
      const src = findObject(holder.doc, from);
      if (!src) throw new OpError(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
      let val: unknown;
      wrap(`error in move for path: '${src[1]}'`, () => {
        val = containerGet(src[0], src[1]);
      });
      wrap(`error in move for path: '${src[1]}'`, () => containerRemove(src[0], src[1]));
      const path = stringField(op, "path");
      if (path instanceof OpError) throw new OpError(`move operation failed to decode path: ${path.message}`);
      const dst = findObject(holder.doc, path);
      if (!dst) throw new OpError(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
      wrap(`error in move for path: '${path}'`, () => containerAdd(dst[0], dst[1], val ?? null));
      return;
    }
    case "copy": {
      const from = stringField(op, "from");
      if (from instanceof OpError) throw new OpError(`copy operation failed to decode from: ${from.message}`);
      const src = findObject(holder.doc, from);
      if (!src) throw new OpError(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
      let val: unknown;
      wrap(`error in copy for from: '${from}'`, () => {
        val = containerGet(src[0], src[1]);
      });
      const path = stringField(op, "path");
      if (path instanceof OpError) throw new OpError(`copy operation failed to decode path: ${MISSING}`);
      const dst = findObject(holder.doc, path);
      if (!dst) throw new OpError(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
      wrap("error while adding value during copy", () => containerAdd(dst[0], dst[1], cloneJson(val ?? null)));
      return;
    }
    case "test": {
      const path = stringField(op, "path");
      if (path instanceof OpError) throw new OpError(`test operation failed to decode path: ${path.message}`);
      const failed = new OpError(`testing value ${path} failed: ${TEST_FAILED}`);
      const hasValue = Object.hasOwn(op, "value");
      if (path === "") {
        if (hasValue && jsonEqual(holder.doc, op["value"])) return;
        throw failed;
      }
      const found = findObject(holder.doc, path);
      if (!found) throw new OpError(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
      let val: unknown;
      wrap(`error in test for path: '${path}'`, () => {
        val = containerGet(found[0], found[1]);
      });
      if (val === undefined || val === null) {
        if (hasValue && op["value"] === null) return;
        throw failed;
      }
      if (hasValue && jsonEqual(val, op["value"])) return;
      throw failed;
    }
    default:
      throw new OpError(`Unexpected kind: ${kind}`);
  }
}

/**
 * Applies `ops` (the decoded request body) to `doc` and returns the result.
 * Never mutates `doc` or `ops`. Throws PatchError: 400 when `ops` is not a
 * list of operation objects, 413 above MAX_JSON_PATCH_OPERATIONS, 422 when an
 * operation does not apply.
 */
export function applyJsonPatch(doc: unknown, ops: unknown, options: JsonPatchOptions = {}): unknown {
  if (!Array.isArray(ops)) {
    throw new PatchError(`json: cannot unmarshal ${isObject(ops) ? "object" : typeof ops} into Go value of type jsonpatch.Patch`, 400);
  }
  for (const op of ops) {
    if (!isObject(op) && op !== null) {
      const t = Array.isArray(op) ? "array" : typeof op;
      throw new PatchError(`json: cannot unmarshal ${t} into Go value of type jsonpatch.Operation`, 400);
    }
  }
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`,
      413,
    );
  }
  if (!Array.isArray(doc) && !isObject(doc)) throw new PatchError("invalid JSON document", 422);
  const holder = { doc: cloneJson(doc) as Container };
  for (const op of ops) {
    try {
      applyOne(holder, (op ?? {}) as Op, options);
    } catch (e) {
      if (e instanceof OpError) throw new PatchError(e.message, 422);
      throw e;
    }
  }
  return holder.doc;
}
