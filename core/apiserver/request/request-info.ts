/**
 * Parse a request path into the attributes every later stage uses (upstream RequestInfoFactory):
 * `/api/v1/...` and `/apis/<group>/<version>/...`, optional `namespaces/<ns>/`, resource, name,
 * subresource. Non-resource paths (`/version`, `/apis`, ...) have `isResourceRequest: false`.
 */
import { queryBool } from "./query-bool.ts";

export interface RequestInfo {
  readonly isResourceRequest: boolean;
  readonly path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection; lower-case method for non-resource requests. */
  readonly verb: string;
  readonly apiPrefix: "api" | "apis" | "";
  readonly group: string;
  readonly version: string;
  readonly namespace: string;
  readonly resource: string;
  readonly name: string;
  readonly subresource: string;
  /** Path segments after the resource (and name/subresource), e.g. proxy paths. */
  readonly rest: readonly string[];
}

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

function isWatchQuery(url: URL): boolean {
  return queryBool(url.searchParams, "watch");
}

export function parseRequestInfo(method: string, url: URL): RequestInfo {
  const path = url.pathname;
  const segments = path.split("/").filter((s) => s.length > 0).map((s) => decodeURIComponent(s));
  const nonResource: RequestInfo = {
    isResourceRequest: false, path, verb: method.toLowerCase(), apiPrefix: "", group: "", version: "",
    namespace: "", resource: "", name: "", subresource: "", rest: [],
  };
  const prefix = segments[0];
  if (prefix !== "api" && prefix !== "apis") return nonResource;
  let parts: string[];
  let group = "";
  let version: string;
  if (prefix === "api") {
    if (segments.length < 3) return { ...nonResource, apiPrefix: "api", version: segments[1] ?? "" };
    version = segments[1] ?? "";
    parts = segments.slice(2);
  } else {
    if (segments.length < 4) return { ...nonResource, apiPrefix: "apis", group: segments[1] ?? "", version: segments[2] ?? "" };
    group = segments[1] ?? "";
    version = segments[2] ?? "";
    parts = segments.slice(3);
  }
  let legacyWatch = false;
  if (parts[0] === "watch") { legacyWatch = true; parts = parts.slice(1); }
  let namespace = "";
  if (parts[0] === "namespaces" && parts.length > 1) {
    namespace = parts[1] ?? "";
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? "")) parts = parts.slice(2);
  }
  const resource = parts[0] ?? "";
  const name = parts[1] ?? "";
  const subresource = parts[2] ?? "";
  const rest = parts.slice(3);
  let verb: string;
  switch (method) {
    case "GET": case "HEAD":
      verb = name ? "get" : "list";
      if ((legacyWatch || isWatchQuery(url)) && !subresource) verb = "watch";
      break;
    case "POST": verb = "create"; break;
    case "PUT": verb = "update"; break;
    case "PATCH": verb = "patch"; break;
    case "DELETE": verb = name ? "delete" : "deletecollection"; break;
    default: verb = method.toLowerCase();
  }
  // As upstream, `namespaces/<name>[/status|/finalize]` also reports the namespace as <name>.
  return { isResourceRequest: true, path, verb, apiPrefix: prefix, group, version, namespace, resource, name, subresource, rest };
}
