/** REST paths of resources, collections and subresources. */
import type { CollectionTarget } from "@lite/sdk";

/** `/api/v1[/namespaces/ns]/resource[/name][/subresource]` or `/apis/group/version/...`. */
export function resourcePath(target: CollectionTarget & { name?: string }, subresource?: string): string {
  const root = target.group ? `/apis/${target.group}/${target.version}` : `/api/${target.version}`;
  let path = root;
  // A namespace object's own path carries no namespace segment.
  if (target.namespace && !(target.group === "" && target.resource === "namespaces")) path += `/namespaces/${encodeURIComponent(target.namespace)}`;
  path += `/${target.resource}`;
  if (target.name !== undefined) {
    if (target.name === "") throw new TypeError(`empty name for ${target.resource}`);
    path += `/${encodeURIComponent(target.name)}`;
  }
  if (subresource) path += `/${subresource}`;
  return path;
}

/** Appends defined, non-empty query parameters. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === "" || v === false) continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
