/**
 * The RBAC policy in memory: roles by name and bindings indexed by subject, so a decision touches
 * only the bindings of the requesting user and its groups. Fed by `followCache` from the API
 * server's watch caches; objects are the caches' frozen objects.
 */
import type { KObject } from "../../../apiserver/index.ts";
import type { UserInfo } from "../../../apiserver/authz/types.ts";
import { subjectKey } from "./subjects.ts";
import type { PolicyRule, RoleRef, Subject } from "./types.ts";

export interface Binding {
  readonly name: string;
  /** "" for ClusterRoleBindings. */
  readonly namespace: string;
  readonly roleRef: RoleRef;
  readonly subjects: readonly Subject[];
}

export interface RoleEntry {
  readonly name: string;
  readonly namespace: string;
  readonly rules: readonly PolicyRule[];
  readonly object: KObject;
}

function keyOf(obj: KObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}

function toBinding(obj: KObject): Binding {
  return {
    name: obj.metadata.name ?? "", namespace: obj.metadata.namespace ?? "",
    roleRef: obj.roleRef ?? { apiGroup: "", kind: "", name: "" }, subjects: obj.subjects ?? [],
  };
}

function toRole(obj: KObject): RoleEntry {
  return { name: obj.metadata.name ?? "", namespace: obj.metadata.namespace ?? "", rules: obj.rules ?? [], object: obj };
}

/** Roles (or ClusterRoles) by namespace/name. */
export class RoleTable {
  private readonly byKey = new Map<string, RoleEntry>();
  reset(objs: readonly KObject[]): void {
    this.byKey.clear();
    for (const o of objs) this.byKey.set(keyOf(o), toRole(o));
  }
  upsert(obj: KObject): void { this.byKey.set(keyOf(obj), toRole(obj)); }
  remove(obj: KObject): void { this.byKey.delete(keyOf(obj)); }
  get(namespace: string, name: string): RoleEntry | undefined { return this.byKey.get(`${namespace}/${name}`); }
  all(): IterableIterator<RoleEntry> { return this.byKey.values(); }
}

interface SubjectMaps {
  /** user name -> binding keys. */
  readonly users: Map<string, Set<string>>;
  /** group name -> binding keys. */
  readonly groups: Map<string, Set<string>>;
}

/** Bindings indexed by (namespace, user or group name). */
export class BindingIndex {
  private readonly byKey = new Map<string, Binding>();
  private readonly bySubject = new Map<string, SubjectMaps>();

  reset(objs: readonly KObject[]): void {
    this.byKey.clear();
    this.bySubject.clear();
    for (const o of objs) this.upsert(o);
  }

  upsert(obj: KObject): void {
    this.remove(obj);
    const key = keyOf(obj);
    const b = toBinding(obj);
    this.byKey.set(key, b);
    let ns = this.bySubject.get(b.namespace);
    if (!ns) { ns = { users: new Map(), groups: new Map() }; this.bySubject.set(b.namespace, ns); }
    for (const s of b.subjects) {
      const sk = subjectKey(s, b.namespace);
      if (!sk) continue;
      const m = sk.group ? ns.groups : ns.users;
      let set = m.get(sk.name);
      if (!set) { set = new Set(); m.set(sk.name, set); }
      set.add(key);
    }
  }

  remove(obj: KObject): void {
    const key = keyOf(obj);
    const old = this.byKey.get(key);
    if (!old) return;
    this.byKey.delete(key);
    const ns = this.bySubject.get(old.namespace);
    if (!ns) return;
    for (const s of old.subjects) {
      const sk = subjectKey(s, old.namespace);
      if (!sk) continue;
      const m = sk.group ? ns.groups : ns.users;
      const set = m.get(sk.name);
      if (!set) continue;
      set.delete(key);
      if (set.size === 0) m.delete(sk.name);
    }
  }

  /**
   * Visits the bindings in `namespace` ("" = cluster) naming the user or one of its groups, each
   * once (user first, then groups in order); stops when `fn` returns false. Returns false if stopped.
   */
  visitFor(namespace: string, user: UserInfo, fn: (b: Binding) => boolean): boolean {
    const ns = this.bySubject.get(namespace);
    if (!ns) return true;
    const own = ns.users.get(user.username);
    let seen: Set<string> | undefined;
    if (own) {
      for (const bk of own) {
        const b = this.byKey.get(bk);
        if (b && !fn(b)) return false;
      }
    }
    for (let i = 0; i < user.groups.length; i++) {
      const set = ns.groups.get(user.groups[i]!);
      if (!set) continue;
      for (const bk of set) {
        if (own?.has(bk) || seen?.has(bk)) continue;
        if (i + 1 < user.groups.length) (seen ??= new Set()).add(bk);
        const b = this.byKey.get(bk);
        if (b && !fn(b)) return false;
      }
    }
    return true;
  }
}
