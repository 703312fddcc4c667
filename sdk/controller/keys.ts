/** Object keys as client-go's MetaNamespaceKeyFunc: "namespace/name", or "name" for cluster-scoped objects. */
import type { KubeObject } from "../client/resource.ts";

export function objectKey(obj: Pick<KubeObject, "metadata">): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ""}` : (name ?? "");
}

export function namespacedKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Inverse of objectKey: "ns/name" -> { namespace: "ns", name }; "name" -> { namespace: "", name }. */
export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
