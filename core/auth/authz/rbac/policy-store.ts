/**
 * The four RBAC kinds followed from the API server's watch caches into indexes. `sync()` is
 * cheap once following; call it before reading (it rebuilds after a cache reset).
 */
import type { WatchCache } from "../../../apiserver/index.ts";
import { followCache, type CacheFollower } from "../cache/follow-cache.ts";
import { BindingIndex, RoleTable } from "./policy-index.ts";

export interface PolicyCaches {
  readonly roles: WatchCache;
  readonly clusterRoles: WatchCache;
  readonly roleBindings: WatchCache;
  readonly clusterRoleBindings: WatchCache;
}

export interface PolicyStore {
  readonly roles: RoleTable;
  readonly clusterRoles: RoleTable;
  readonly roleBindings: BindingIndex;
  readonly clusterRoleBindings: BindingIndex;
  sync(): void;
  /** Register a listener for ClusterRole changes (aggregation); returns an unsubscribe function. */
  onClusterRolesChanged(fn: () => void): () => void;
  stop(): void;
}

export function createPolicyStore(caches: PolicyCaches): PolicyStore {
  const roles = new RoleTable();
  const clusterRoles = new RoleTable();
  const roleBindings = new BindingIndex();
  const clusterRoleBindings = new BindingIndex();
  const listeners = new Set<() => void>();
  const tableHandlers = (t: RoleTable, notify?: () => void) => ({
    reset: (objs: Parameters<RoleTable["reset"]>[0]) => t.reset(objs),
    upsert: (o: Parameters<RoleTable["upsert"]>[0]) => t.upsert(o),
    remove: (o: Parameters<RoleTable["remove"]>[0]) => t.remove(o),
    changed: notify,
  });
  const bindingHandlers = (b: BindingIndex) => ({
    reset: (objs: Parameters<BindingIndex["reset"]>[0]) => b.reset(objs),
    upsert: (o: Parameters<BindingIndex["upsert"]>[0]) => b.upsert(o),
    remove: (o: Parameters<BindingIndex["remove"]>[0]) => b.remove(o),
  });
  const followers: CacheFollower[] = [
    followCache(caches.roles, tableHandlers(roles)),
    followCache(caches.clusterRoles, tableHandlers(clusterRoles, () => { for (const l of listeners) l(); })),
    followCache(caches.roleBindings, bindingHandlers(roleBindings)),
    followCache(caches.clusterRoleBindings, bindingHandlers(clusterRoleBindings)),
  ];
  const sync = (): void => { for (const f of followers) f.sync(); };
  return {
    roles, clusterRoles, roleBindings, clusterRoleBindings, sync,
    onClusterRolesChanged(fn) { listeners.add(fn); return () => { listeners.delete(fn); }; },
    stop() { for (const f of followers) f.stop(); listeners.clear(); },
  };
}
