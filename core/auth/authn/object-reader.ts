/**
 * An ObjectReader over an in-process API server: the watch cache first (as upstream's listers),
 * then a live GET as `system:apiserver` when the cache does not have the object (just created).
 * The server may be bound after the reader is made (admission plugins are built before it).
 */
import type { UserInfo } from "../../apiserver/authz/types.ts";
import type { ApiServer } from "../../apiserver/index.ts";
import type { KObject } from "../../apiserver/resources/index.ts";
import type { BoundKind, ObjectReader } from "./types.ts";

/** The loopback identity of in-process reads (upstream's loopback client user). */
export const LOOPBACK_USER: UserInfo = Object.freeze({ username: "system:apiserver", groups: Object.freeze(["system:authenticated", "system:masters"]) as string[] });

const RESOURCE: Record<BoundKind, string> = { ServiceAccount: "serviceaccounts", Pod: "pods", Secret: "secrets", Node: "nodes" };

export function apiObjectReader(server: () => Pick<ApiServer, "handle" | "watchCache"> | undefined): ObjectReader {
  return async (kind, namespace, name) => {
    const api = server();
    if (!api || !name || name.includes("/")) return undefined;
    const resource = RESOURCE[kind];
    const cache = api.watchCache("", "v1", resource);
    if (cache) {
      await cache.ready;
      const key = `/registry/core/${resource}/${namespace ? `${namespace}/` : ""}${name}`;
      const cached = cache.get(key);
      if (cached) return cached;
    }
    const path = namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}/${encodeURIComponent(name)}` : `/api/v1/${resource}/${encodeURIComponent(name)}`;
    const res = await api.handle(new Request(`https://lite.loopback${path}`, { headers: { accept: "application/json" } }), { ...LOOPBACK_USER, groups: [...LOOPBACK_USER.groups] });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`reading ${resource} ${namespace ? `${namespace}/` : ""}${name}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as KObject;
  };
}
