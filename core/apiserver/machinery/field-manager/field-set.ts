// Sets of field paths (upstream fieldpath.Set) as a tree: each node is one
// path; `member` says whether that path itself is in the set, `children`
// hold longer paths. A node that is neither a member nor has children is never
// kept. Functions here never mutate their inputs, except `insertPath` which
// builds a set in place.

import { comparePathElements, serializePathElement, type Path, type PathElement } from "./path-element.ts";

export interface FieldSet {
  member: boolean;
  readonly children: Map<string, FieldSetChild>;
}

export interface FieldSetChild {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

export function emptySet(): FieldSet {
  return { member: false, children: new Map() };
}

export function isEmptySet(s: FieldSet): boolean {
  return !s.member && s.children.size === 0;
}

/** The node for `pe` under `s`, created if missing (for building sets). */
export function childFor(s: FieldSet, pe: PathElement): FieldSet {
  const key = serializePathElement(pe);
  let c = s.children.get(key);
  if (!c) {
    c = { pe, set: emptySet() };
    s.children.set(key, c);
  }
  return c.set;
}

/** Adds `path` to `s` in place. The empty path is ignored, as upstream. */
export function insertPath(s: FieldSet, path: Path): void {
  if (path.length === 0) return;
  let node = s;
  for (const pe of path) node = childFor(node, pe);
  node.member = true;
}

/**
 * insertPath with each element's serialized key given (`keys[i]` must equal
 * serializePathElement(path[i])), so callers that already know the keys (the
 * compare walk) do not re-serialize every element of every path.
 */
export function insertKeyedPath(s: FieldSet, path: Path, keys: readonly string[]): void {
  if (path.length === 0) return;
  let node = s;
  for (let i = 0; i < path.length; i++) {
    let c = node.children.get(keys[i]!);
    if (!c) {
      c = { pe: path[i]!, set: emptySet() };
      node.children.set(keys[i]!, c);
    }
    node = c.set;
  }
  node.member = true;
}

export function hasPath(s: FieldSet, path: Path): boolean {
  let node: FieldSet | undefined = s;
  for (const pe of path) {
    node = node.children.get(serializePathElement(pe))?.set;
    if (!node) return false;
  }
  return path.length > 0 && node.member;
}

export function cloneSet(s: FieldSet): FieldSet {
  const out: FieldSet = { member: s.member, children: new Map() };
  for (const [k, c] of s.children) out.children.set(k, { pe: c.pe, set: cloneSet(c.set) });
  return out;
}

export function union(a: FieldSet, b: FieldSet): FieldSet {
  const out = cloneSet(a);
  out.member ||= b.member;
  for (const [k, c] of b.children) {
    const mine = out.children.get(k);
    out.children.set(k, { pe: c.pe, set: mine ? union(mine.set, c.set) : cloneSet(c.set) });
  }
  return out;
}

export function unionAll(sets: Iterable<FieldSet>): FieldSet {
  let out = emptySet();
  for (const s of sets) out = union(out, s);
  return out;
}

/** Paths in `a` that are not in `b` (member by member, upstream Set.Difference). */
export function difference(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member && !b.member, children: new Map() };
  for (const [k, c] of a.children) {
    const other = b.children.get(k);
    const sub = other ? difference(c.set, other.set) : cloneSet(c.set);
    if (!isEmptySet(sub)) out.children.set(k, { pe: c.pe, set: sub });
  }
  return out;
}

/** Paths in both `a` and `b`. */
export function intersection(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member && b.member, children: new Map() };
  for (const [k, c] of a.children) {
    const other = b.children.get(k);
    if (!other) continue;
    const sub = intersection(c.set, other.set);
    if (!isEmptySet(sub)) out.children.set(k, { pe: c.pe, set: sub });
  }
  return out;
}

/**
 * Paths in `a` that are neither in `b` nor below a member of `b`
 * (upstream Set.RecursiveDifference; used to exclude reset fields).
 */
export function recursiveDifference(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = { member: a.member && !b.member, children: new Map() };
  for (const [k, c] of a.children) {
    const other = b.children.get(k);
    if (other?.set.member) continue;
    const sub = other ? recursiveDifference(c.set, other.set) : cloneSet(c.set);
    if (!isEmptySet(sub)) out.children.set(k, { pe: c.pe, set: sub });
  }
  return out;
}

/**
 * recursiveDifference(a, b) computed by mutating `a` (which the caller owns
 * and no one else references): O(size of b) instead of a copy of `a`.
 */
export function recursiveDifferenceInPlace(a: FieldSet, b: FieldSet): void {
  if (b.member) a.member = false;
  for (const [k, c] of b.children) {
    const mine = a.children.get(k);
    if (!mine) continue;
    if (c.set.member) {
      a.children.delete(k);
      continue;
    }
    recursiveDifferenceInPlace(mine.set, c.set);
    if (isEmptySet(mine.set)) a.children.delete(k);
  }
}

/** difference(a, b) computed by mutating `a` (owned by the caller, referenced by no one else). */
export function differenceInPlace(a: FieldSet, b: FieldSet): void {
  if (b.member) a.member = false;
  for (const [k, c] of b.children) {
    const mine = a.children.get(k);
    if (!mine) continue;
    differenceInPlace(mine.set, c.set);
    if (isEmptySet(mine.set)) a.children.delete(k);
  }
}

/**
 * Makes every field name that has children a member too (upstream
 * EnsureNamedFieldsAreMembers; every map is treated as a struct here), so
 * owning `.spec.replicas` counts as owning `.spec` when pruning.
 */
export function ensureNamedFieldsAreMembers(s: FieldSet): FieldSet {
  const out: FieldSet = { member: s.member, children: new Map() };
  for (const [k, c] of s.children) {
    const sub = ensureNamedFieldsAreMembers(c.set);
    if (c.pe.kind === "field") sub.member = true;
    out.children.set(k, { pe: c.pe, set: sub });
  }
  return out;
}

/** [serialized key, child] pairs sorted by path element order. */
export function sortedEntries(s: FieldSet): [string, FieldSetChild][] {
  return [...s.children].sort((x, y) => comparePathElements(x[1].pe, y[1].pe));
}

/** Children sorted by path element order. */
export function sortedChildren(s: FieldSet): FieldSetChild[] {
  return [...s.children.values()].sort((x, y) => comparePathElements(x.pe, y.pe));
}

/**
 * Every member path, in upstream Set.Iterate order: at each level the
 * members first (sorted), then the descendants of each child (sorted).
 */
export function setPaths(s: FieldSet): Path[] {
  const out: Path[] = [];
  const walk = (node: FieldSet, prefix: PathElement[]): void => {
    const kids = sortedChildren(node);
    for (const c of kids) if (c.set.member) out.push([...prefix, c.pe]);
    for (const c of kids) walk(c.set, [...prefix, c.pe]);
  };
  walk(s, []);
  return out;
}

/** A set of plain field paths, e.g. [["status"], ["metadata", "labels"]]. */
export function setFromFieldPaths(paths: readonly (readonly string[])[]): FieldSet {
  const s = emptySet();
  for (const p of paths) insertPath(s, p.map((name) => ({ kind: "field", name }) as const));
  return s;
}
