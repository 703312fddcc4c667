/** Routing of discovery paths: /api, /apis, /api/v1, /apis/<g>, /apis/<g>/<v>, with ETags. */
import { apiErrors } from "../errors/index.ts";
import type { ResourceRegistry } from "../resources/index.ts";
import { aggregatedContentType, aggregatedDiscovery, wantsAggregated } from "./aggregated.ts";
import { apiGroup, apiGroupList, apiResourceList, apiVersions } from "./legacy.ts";

function etagged(req: Request, body: unknown, contentType: string): Response {
  const text = JSON.stringify(body);
  const etag = `"${new Bun.CryptoHasher("sha256").update(text).digest("hex").toUpperCase()}"`;
  const headers = { "Content-Type": contentType, ETag: etag, Vary: "Accept" };
  if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(text, { status: 200, headers });
}

/** Returns a response for discovery paths, or undefined if `path` is not one. */
export function serveDiscovery(registry: ResourceRegistry, req: Request, url: URL): Response | undefined {
  const parts = url.pathname.split("/").filter(Boolean);
  if (parts[0] !== "api" && parts[0] !== "apis") return undefined;
  const legacy = parts[0] === "api";
  if (parts.length === 1) {
    const agg = wantsAggregated(req.headers.get("accept"));
    if (agg) return etagged(req, aggregatedDiscovery(registry, legacy, agg), aggregatedContentType(agg));
    const host = req.headers.get("host") ?? url.host;
    return etagged(req, legacy ? apiVersions(host) : apiGroupList(registry), "application/json");
  }
  if (legacy && parts.length === 2) {
    const list = apiResourceList(registry, "", parts[1] ?? "");
    if (!list) throw apiErrors.pathNotFound();
    return etagged(req, list, "application/json");
  }
  if (!legacy && parts.length === 2) {
    const g = apiGroup(registry, parts[1] ?? "");
    if (!g) throw apiErrors.pathNotFound();
    return etagged(req, g, "application/json");
  }
  if (!legacy && parts.length === 3) {
    const list = apiResourceList(registry, parts[1] ?? "", parts[2] ?? "");
    if (!list) throw apiErrors.pathNotFound();
    return etagged(req, list, "application/json");
  }
  return undefined;
}
