/**
 * `/openapi/v3` (index with `?hash=` links, ETag/304) and `/openapi/v3/<gv>?hash=H`
 * (immutable caching when H is right, 301 to the right hash when it is not), as kube-openapi's handler3.
 */
import { apiErrors } from "../errors/index.ts";
import type { ResourceRegistry } from "../resources/index.ts";
import { groupVersionDocument } from "./document.ts";
import type { SchemaProvider } from "./schema-provider.ts";

interface Doc { readonly text: string; readonly hash: string }

export interface OpenApiService {
  serve(req: Request, url: URL): Response | undefined;
}

function sha512(text: string): string {
  return new Bun.CryptoHasher("sha512").update(text).digest("hex").toUpperCase();
}

/** Documents are built lazily, once (the catalog is immutable for a server's life). */
export function createOpenApiService(registry: ResourceRegistry, schemas: SchemaProvider): OpenApiService {
  let docs: Map<string, Doc> | undefined;
  let index: Doc | undefined;
  const build = () => {
    if (docs && index) return { docs, index };
    docs = new Map();
    for (const g of registry.groups()) {
      for (const v of g.versions) {
        const path = g.name ? `apis/${g.name}/${v}` : `api/${v}`;
        const text = JSON.stringify(groupVersionDocument(g.name, v, registry.resourcesOf(g.name, v), schemas));
        docs.set(path, { text, hash: sha512(text) });
      }
    }
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [path, d] of docs) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${d.hash}` };
    const text = JSON.stringify({ paths });
    index = { text, hash: sha512(text) };
    return { docs, index };
  };
  return {
    serve(req, url) {
      if (url.pathname !== "/openapi/v3" && !url.pathname.startsWith("/openapi/v3/")) return undefined;
      const built = build();
      const json = (text: string, headers: Record<string, string>, status = 200) => new Response(status === 304 ? null : text, { status, headers: { "Content-Type": "application/json", ...headers } });
      if (url.pathname === "/openapi/v3" || url.pathname === "/openapi/v3/") {
        const etag = `"${built.index.hash}"`;
        if (req.headers.get("if-none-match") === etag) return json("", { ETag: etag }, 304);
        return json(built.index.text, { ETag: etag });
      }
      const path = url.pathname.slice("/openapi/v3/".length);
      const doc = built.docs.get(path);
      if (!doc) throw apiErrors.pathNotFound();
      const hash = url.searchParams.get("hash");
      const etag = `"${doc.hash}"`;
      if (hash !== null && hash !== doc.hash) {
        return new Response(null, { status: 301, headers: { Location: `/openapi/v3/${path}?hash=${doc.hash}` } });
      }
      if (req.headers.get("if-none-match") === etag) return json("", { ETag: etag }, 304);
      if (hash !== null) {
        const expires = new Date(Date.now() + 365 * 24 * 3600 * 1000).toUTCString();
        return json(doc.text, { "Cache-Control": "public, immutable", Expires: expires, ETag: etag, Vary: "Accept" });
      }
      return json(doc.text, { ETag: etag, Vary: "Accept" });
    },
  };
}
