// Strategic merge patch (`application/strategic-merge-patch+json`): applying a
// patch to an object as apimachinery v0.32 `pkg/util/strategicpatch`
// `StrategicMergeMapPatch` does (MergeParallelList and IgnoreUnmatchedNulls on).
//
// - maps merge recursively; `null` deletes a key;
// - lists whose field has strategy `merge` merge: maps by merge key, scalars
//   as a set union; other lists are replaced whole;
// - directives: `$patch: replace|delete` (maps and list items),
//   `$setElementOrder/<f>`, `$retainKeys`, `$deleteFromPrimitiveList/<f>`;
// - list order follows upstream: `$setElementOrder` first, then patch order,
//   server-only items interleaved by their live position.
// Deliberate differences (all cases where upstream would store the key and the
// typed decoder would then drop it): `$`-prefixed keys never reach the result.

import { PatchError } from "./json-patch.ts";
import { goValue } from "./go-format.ts";
import { cloneJson, isObject, jsonKind, type JsonObject } from "./json-value.ts";
import type { FieldPatchMeta, PatchMeta } from "./patch-meta.ts";

export { PatchError };
export { createPatchMetaFromTable, type FieldPatchMeta, type PatchMeta, type PatchStrategy } from "./patch-meta.ts";

const DIRECTIVE = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList";

// upstream mergepatch errors and the status kube-apiserver answers them with.
const errBadJSONDoc = () => new PatchError("invalid JSON document", 400);
const errRetainKeys = () => new PatchError("invalid patch format of retainKeys", 400);
const errSetOrder = () => new PatchError("invalid patch format of setElementOrder list", 400);
const errPrimitiveList = () => new PatchError("invalid patch format of primitive list", 400);
const errListOfLists = () => new PatchError("lists of lists are not supported", 422);
const errNoMergeKey = (m: unknown, k: string) =>
  new PatchError(`map: ${goValue(m)} does not contain declared merge key: ${k}`, 500);
const errBadPatchType = (t: unknown, m: unknown) =>
  new PatchError(`unknown patch type: ${goValue(t)} in map: ${goValue(m)}`, 500);
const errBadArgType = (expected: string, actual: unknown) =>
  new PatchError(`expected a ${expected}, but received a ${goTypeName(actual)}`, 500);

function goTypeName(v: unknown): string {
  switch (jsonKind(v)) {
    case "null":
      return "<nil>";
    case "array":
      return "[]interface {}";
    case "object":
      return "map[string]interface {}";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    default:
      return "string";
  }
}

type Path = readonly string[];

interface Strategy {
  retainKeys: boolean;
  /** "merge", "replace" or "" (none). */
  other: string;
}

function strategyOf(meta: FieldPatchMeta | undefined): Strategy {
  const parts = meta?.strategy ? meta.strategy.split(",") : [];
  const retainKeys = parts.includes("retainKeys");
  const other = parts.find((p) => p !== "retainKeys") ?? "";
  return { retainKeys, other };
}

/** Same value for the purposes of Go interface `==` on JSON scalars. */
function scalarEq(a: unknown, b: unknown): boolean {
  return a === b || ((a === null || a === undefined) && (b === null || b === undefined));
}

// ---------------------------------------------------------------------------
// Directive removal

/** Recursively drops `$`-prefixed keys (what decoding into a typed object does). */
function stripDirectiveKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectiveKeys);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v)) if (!k.startsWith("$")) out[k] = stripDirectiveKeys(v[k]);
    return out;
  }
  return v;
}

/**
 * upstream `removeDirectives`: a map carrying `$patch` disappears (returns
 * undefined), elsewhere `$` keys are stripped.
 */
function removeDirectives(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const y = removeDirectives(x);
      if (y !== undefined) out.push(y);
    }
    return out;
  }
  if (isObject(v)) {
    if (Object.hasOwn(v, DIRECTIVE)) return undefined;
    const out: JsonObject = {};
    for (const k of Object.keys(v)) {
      if (k.startsWith("$")) continue;
      const y = removeDirectives(v[k]);
      if (y !== undefined) out[k] = y;
    }
    return out;
  }
  return v;
}

/** upstream `discardNullValuesFromPatch`: null map members vanish, recursively. */
function discardNulls(v: unknown): void {
  if (isObject(v)) {
    for (const k of Object.keys(v)) {
      if (v[k] === null) delete v[k];
      else discardNulls(v[k]);
    }
  } else if (Array.isArray(v)) {
    for (const x of v) discardNulls(x);
  }
}

function extractKey(key: string, prefix: string): string {
  const i = key.indexOf("/");
  if (i < 0 || key.slice(0, i) !== prefix) {
    throw prefix === DELETE_PRIMITIVE ? errPrimitiveList() : errSetOrder();
  }
  return key.slice(i + 1);
}

// ---------------------------------------------------------------------------
// Ordering (upstream normalizeElementOrder / mergeSortedSlice)

type Kind = ReturnType<typeof jsonKind>;

function indexIn(list: readonly unknown[], item: unknown, mergeKey: string, kind: Kind): number {
  const val = (x: unknown) => (kind === "object" ? (isObject(x) ? x[mergeKey] : undefined) : x);
  const target = val(item);
  for (let i = 0; i < list.length; i++) if (scalarEq(val(list[i]), target)) return i;
  return -1;
}

function findByMergeKey(list: readonly unknown[], mergeKey: string, value: unknown): number {
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    if (!isObject(m)) throw new PatchError(`value for key ${i} is not a map`, 500);
    if (Object.hasOwn(m, mergeKey) && scalarEq(m[mergeKey], value)) return i;
  }
  return -1;
}

function validateMergeKeyIn(mergeKey: string, ...lists: (readonly unknown[])[]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) throw errBadArgType("map[string]interface {}", item);
      if (!Object.hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

/** upstream normalizeSliceOrder: stable sort by position in `order`; `$patch: delete` items last. */
function normalizeSliceOrder(toSort: unknown[], order: readonly unknown[], mergeKey: string, kind: Kind): unknown[] {
  let items = toSort;
  const toDelete: unknown[] = [];
  if (kind === "object") {
    validateMergeKeyIn(mergeKey, toSort, order);
    items = [];
    for (const v of toSort) {
      if ((v as JsonObject)[DIRECTIVE] === "delete") toDelete.push(v);
      else items.push(v);
    }
  }
  // Go's sort.SliceStable is an insertion sort for small inputs; it is
  // reproduced exactly so that items absent from `order` land where upstream
  // puts them (its comparator reports "less" whenever either is absent).
  const pos = items.map((v) => indexIn(order, v, mergeKey, kind));
  const idx = items.map((_, i) => i);
  const less = (a: number, b: number) => (pos[a]! >= 0 && pos[b]! >= 0 ? pos[a]! < pos[b]! : true);
  for (let i = 1; i < idx.length; i++) {
    for (let j = i; j > 0 && less(idx[j]!, idx[j - 1]!); j--) {
      [idx[j], idx[j - 1]] = [idx[j - 1]!, idx[j]!];
    }
  }
  return [...idx.map((i) => items[i]), ...toDelete];
}

function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: readonly unknown[], mergeKey: string, kind: Kind): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const p = normalizeSliceOrder(patchItems, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(s, p, serverOrder, mergeKey, kind);
}

/** Splits `merged` into items present in `by` and the rest (server-only). */
function partition(merged: readonly unknown[], by: readonly unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  if (mergeKey === "") {
    for (const v of merged) (by.some((b) => scalarEq(b, v)) ? inPatch : serverOnly).push(v);
    return [inPatch, serverOnly];
  }
  for (const v of merged) {
    if (!isObject(v)) throw errBadArgType("map[string]interface {}", v);
    if (!Object.hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    (findByMergeKey(by, mergeKey, v[mergeKey]) >= 0 ? inPatch : serverOnly).push(v);
  }
  return [inPatch, serverOnly];
}

/** upstream sliceElementType: the common kind of all elements; undefined if there are none. */
function elementKind(...lists: (readonly unknown[])[]): Kind | undefined {
  let kind: Kind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = jsonKind(v);
      if (kind === undefined) {
        if (k === "array") throw errListOfLists();
        kind = k;
      } else if (k !== kind) {
        throw new PatchError(`list element types are not identical: ${goValue(lists)}`, 500);
      }
    }
  }
  return kind;
}

// ---------------------------------------------------------------------------
// Merging

class Merger {
  constructor(private readonly meta: PatchMeta) {}

  mergeMap(original: JsonObject | undefined, patch: JsonObject, path: Path): JsonObject {
    if (Object.hasOwn(patch, DIRECTIVE)) {
      const d = patch[DIRECTIVE];
      if (d === "replace") {
        delete patch[DIRECTIVE];
        return stripDirectiveKeys(patch) as JsonObject;
      }
      if (d === "delete") return {};
      throw errBadPatchType(d, patch);
    }
    const orig = original ?? {};
    this.applyRetainKeys(orig, patch);
    this.mergeOrderedLists(orig, patch, path);

    for (const key of Object.keys(patch)) {
      if (!Object.hasOwn(patch, key)) continue; // consumed by mergeOrderedLists
      const patchV = patch[key];
      let k = key;
      let isDeleteList = false;
      if (key.startsWith(DELETE_PRIMITIVE)) {
        k = extractKey(key, DELETE_PRIMITIVE);
        isDeleteList = true;
      } else if (key.startsWith("$")) {
        continue; // unknown directive: never stored
      }

      if (patchV === null) {
        delete orig[k];
        continue;
      }
      if (!Object.hasOwn(orig, k) || jsonKind(orig[k]) !== jsonKind(patchV)) {
        if (!isDeleteList) {
          discardNulls(patchV);
          const v = removeDirectives(patchV);
          if (v === undefined) delete orig[k];
          else orig[k] = v;
        }
        continue;
      }
      const childPath = [...path, k];
      const ov = orig[k];
      if (isObject(ov) && isObject(patchV)) {
        const { other } = strategyOf(this.meta.lookup(childPath));
        orig[k] = other === "replace" ? stripDirectiveKeys(patchV) : this.mergeMap(ov, patchV, childPath);
      } else if (Array.isArray(ov) && Array.isArray(patchV)) {
        const fm = this.meta.lookup(childPath);
        orig[k] = this.mergeSliceHandler(ov, patchV, childPath, strategyOf(fm).other, fm?.mergeKey ?? "", isDeleteList);
      } else {
        orig[k] = patchV;
      }
    }
    return orig;
  }

  /** upstream applyRetainKeysDirective (apply mode). */
  private applyRetainKeys(original: JsonObject, patch: JsonObject): void {
    if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
    const list = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw errRetainKeys();
    const keep = new Set(list);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(DELETE_PRIMITIVE) || k.startsWith(SET_ORDER)) continue;
      if (!keep.has(k)) throw errRetainKeys();
    }
    for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
  }

  /** upstream mergePatchIntoOriginal: lists that come with a `$setElementOrder`. */
  private mergeOrderedLists(original: JsonObject, patch: JsonObject, path: Path): void {
    for (const key of Object.keys(patch)) {
      if (!key.startsWith(SET_ORDER) || !Object.hasOwn(patch, key)) continue;
      const order = patch[key];
      delete patch[key];
      if (!Array.isArray(order)) throw errBadArgType("[]interface {}", order);
      const field = extractKey(key, SET_ORDER);
      // A null list in the patch deletes it; ordering is moot (lenient where
      // upstream fails the type assertion).
      if (Object.hasOwn(patch, field) && patch[field] === null) continue;
      const hasOrig = Object.hasOwn(original, field) && original[field] !== null;
      const hasPatch = Object.hasOwn(patch, field);
      const origList = hasOrig ? original[field] : [];
      const patchList = hasPatch ? patch[field] : [];
      if (!Array.isArray(origList)) throw errBadArgType("[]interface {}", origList);
      if (!Array.isArray(patchList)) throw errBadArgType("[]interface {}", patchList);
      const childPath = [...path, field];
      const fm = this.meta.lookup(childPath);
      const mergeKey = fm?.mergeKey ?? "";
      validatePatchWithSetOrderList(patchList, order, mergeKey);

      let merged: unknown[];
      // Upstream orders server-only items by the live list *as its backing
      // array looks after merging*: Go deletes list items in place and appends
      // into the freed slots, so the "live order" it consults is that view.
      const liveView = { order: origList };
      if (hasOrig && !hasPatch) merged = origList;
      else if (!hasOrig && hasPatch) merged = removeDirectives(patchList) as unknown[];
      else if (hasOrig && hasPatch) {
        merged = this.mergeSliceHandler(origList, patchList, childPath, strategyOf(fm).other, mergeKey, false, liveView);
      } else continue;

      const kind = elementKind(origList, patchList);
      if (kind === undefined || (kind === "object" && mergeKey === "")) {
        // Nothing to order, or a list of maps we have no merge key for
        // (upstream's schema is complete; ours may not be): keep merge order.
        original[field] = merged;
      } else {
        const [patchItems, serverOnly] = partition(merged, order, mergeKey);
        original[field] = normalizeElementOrder(patchItems, serverOnly, order, liveView.order, mergeKey, kind);
      }
      delete patch[field];
    }
  }

  private mergeSliceHandler(
    original: unknown[],
    patch: unknown[],
    path: Path,
    strategy: string,
    mergeKey: string,
    isDeleteList: boolean,
    liveView?: { order: unknown[] },
  ): unknown[] {
    if (strategy === "merge" || isDeleteList) return this.mergeSlice(original, patch, path, mergeKey, isDeleteList, liveView);
    return stripDirectiveKeys(patch) as unknown[];
  }

  private mergeSlice(
    original: unknown[],
    patch: unknown[],
    path: Path,
    mergeKey: string,
    isDeleteList: boolean,
    liveView?: { order: unknown[] },
  ): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = elementKind(original, patch)!;
    let base = original;
    let items = patch;
    let merged: unknown[];
    if (kind !== "object") {
      if (isDeleteList) return original.filter((v) => !patch.some((d) => scalarEq(d, v)));
      merged = dedupeScalars([...original, ...patch]);
    } else {
      if (mergeKey === "") throw new PatchError(`cannot merge lists without merge key for ${path.join(".")}`, 500);
      const backing = new GoSliceView(original);
      let replaced: boolean;
      [base, items, replaced] = this.applySpecialElements(original, patch, mergeKey, backing);
      merged = this.mergeByKey(base, items, mergeKey, path, replaced ? undefined : backing);
      if (liveView) liveView.order = backing.view();
    }
    const key = kind === "object" ? mergeKey : "";
    const [patchItems, serverOnly] = partition(merged, items, key);
    return normalizeElementOrder(patchItems, serverOnly, items, base, key, kind);
  }

  /** upstream mergeSliceWithSpecialElements: `$patch: delete|replace` list items. */
  private applySpecialElements(
    original: unknown[],
    patch: unknown[],
    mergeKey: string,
    backing: GoSliceView,
  ): [unknown[], unknown[], boolean] {
    const plain: unknown[] = [];
    let replace = false;
    let base = original;
    for (const v of patch) {
      const m = v as JsonObject;
      if (!Object.hasOwn(m, DIRECTIVE)) {
        plain.push(v);
        continue;
      }
      const d = m[DIRECTIVE];
      if (d === "delete") {
        if (!Object.hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
        const value = m[mergeKey];
        backing.deleteAll((x) => isObject(x) && Object.hasOwn(x, mergeKey) && scalarEq(x[mergeKey], value));
        base = base.filter((x, i) => {
          if (!isObject(x)) throw new PatchError(`value for key ${i} is not a map`, 500);
          return !(Object.hasOwn(x, mergeKey) && scalarEq(x[mergeKey], value));
        });
      } else if (d === "replace") {
        replace = true;
      } else if (d === "merge") {
        throw new PatchError("merging lists cannot yet be specified in the patch", 500);
      } else {
        throw errBadPatchType(d, m);
      }
    }
    if (replace) return [plain.map((x) => removeDirectives(x) ?? {}), [], true];
    return [base, plain, false];
  }

  /** upstream mergeSliceWithoutSpecialElements: merge matching items, append the rest. */
  private mergeByKey(
    original: unknown[],
    patch: unknown[],
    mergeKey: string,
    path: Path,
    backing: GoSliceView | undefined,
  ): unknown[] {
    const out = [...original];
    for (const v of patch) {
      const m = v as JsonObject;
      if (!Object.hasOwn(m, mergeKey)) throw errNoMergeKey(m, mergeKey);
      const i = findByMergeKey(out, mergeKey, m[mergeKey]);
      if (i >= 0) {
        out[i] = this.mergeMap(out[i] as JsonObject, m, path);
      } else {
        discardNulls(m);
        const added = removeDirectives(m) ?? {};
        out.push(added);
        backing?.append(added);
      }
    }
    return out;
  }
}

/**
 * The first `length` slots of a Go slice's backing array while items are
 * deleted in place (`append(s[:i], s[i+1:]...)`) and appended again; only
 * the original length is observable through the caller's slice header.
 */
class GoSliceView {
  private readonly slots: unknown[];
  length: number;
  constructor(original: readonly unknown[]) {
    this.slots = [...original];
    this.length = original.length;
  }
  deleteAll(match: (x: unknown) => boolean): void {
    for (let i = 0; i < this.length; ) {
      if (!match(this.slots[i])) {
        i++;
        continue;
      }
      for (let j = i; j < this.length - 1; j++) this.slots[j] = this.slots[j + 1];
      this.length--;
    }
  }
  append(x: unknown): void {
    if (this.length < this.slots.length) this.slots[this.length] = x;
    this.length++;
  }
  view(): unknown[] {
    return this.slots;
  }
}

/** upstream deduplicateScalars (order is normalised afterwards). */
function dedupeScalars(s: unknown[]): unknown[] {
  const out = [...s];
  let last = out.length - 1;
  for (let i = 0; i < last; i++) {
    for (let j = i + 1; j <= last; j++) {
      if (scalarEq(out[i], out[j])) {
        out[j] = out[last];
        out.length = last;
        last--;
        j--;
      }
    }
  }
  return out;
}

/** upstream validatePatchWithSetOrderList. */
function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let nonDelete = patchList;
  if (mergeKey !== "") {
    nonDelete = [];
    for (const v of patchList) {
      if (!isObject(v)) throw errBadArgType("map[string]interface {}", v);
      if (v[DIRECTIVE] !== "delete") nonDelete.push(v);
    }
  }
  let p = 0;
  let o = 0;
  while (p < nonDelete.length && o < order.length) {
    const item = nonDelete[p];
    if (isObject(item) && Object.hasOwn(item, DIRECTIVE)) {
      p++;
      continue;
    }
    let equal: boolean;
    if (mergeKey === "") equal = scalarEq(item, order[o]);
    else {
      const l = item;
      const r = order[o];
      if (!isObject(l)) throw errBadArgType("map[string]interface {}", l);
      if (!isObject(r)) throw errBadArgType("map[string]interface {}", r);
      if (!Object.hasOwn(l, mergeKey)) throw errNoMergeKey(l, mergeKey);
      if (!Object.hasOwn(r, mergeKey)) throw errNoMergeKey(r, mergeKey);
      equal = scalarEq(l[mergeKey], r[mergeKey]);
    }
    if (equal) p++;
    o++;
  }
  if (p < nonDelete.length && o >= order.length) {
    throw new PatchError(
      `The order in patch list:\n${goValue(patchList)}\n doesn't match ${SET_ORDER} list:\n${goValue(order)}\n`,
      500,
    );
  }
}

/**
 * Applies a strategic merge patch to `doc` using `meta` for field strategies.
 * Never mutates its inputs. Throws PatchError (status 400/422/500 as
 * kube-apiserver would answer) when the patch is malformed.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, meta: PatchMeta): unknown {
  if (!isObject(doc) || !isObject(patch)) throw errBadJSONDoc();
  return new Merger(meta).mergeMap(cloneJson(doc), cloneJson(patch), []);
}
