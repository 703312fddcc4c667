/**
 * `/openapi/v3` (index with `?hash=` links, ETag/304) and `/openapi/v3/<gv>?hash=H`
 * (immutable caching when H is right, 301 to the right hash when it is not), as kube-openapi's handler3.
 */
import { apiErrors } from "../errors/index.ts";
import type { ResourceRegistry } from "../resources/index.ts";
import { groupVersionDocument } from "./document.ts";
import type { SchemaProvider } from "./schema-provider.ts";
import { v2DefinitionsFrom } from "./v2-definitions.ts";
import { OPENAPI_V2_PROTOBUF, openApiV2Json, openApiV2Protobuf, type V3Doc } from "./v2.ts";

interface Doc { readonly text: string; readonly hash: string; readonly doc: V3Doc }

export interface OpenApiService {
  serve(req: Request, url: URL): Response | undefined;
}

function sha512(text: string): string {
  return new Bun.CryptoHasher("sha512").update(text).digest("hex").toUpperCase();
}

const docPath = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);

/**
 * Documents are built lazily and kept per group-version: a registry change (custom resources)
 * rebuilds only the group-versions it touched, then the index and the v2 document.
 */
export function createOpenApiService(registry: ResourceRegistry, schemas: SchemaProvider): OpenApiService {
  const byPath = new Map<string, Doc>();
  let docs: Map<string, Doc> | undefined;
  let index: { text: string; hash: string } | undefined;
  registry.onChange((change) => {
    for (const d of [...change.removed, ...change.added]) byPath.delete(docPath(d.group, d.version));
    docs = undefined;
    index = undefined;
  });
  const build = () => {
    if (docs && index) return { docs, index };
    docs = new Map();
    for (const g of registry.groups()) {
      for (const v of g.versions) {
        const path = docPath(g.name, v);
        let d = byPath.get(path);
        if (!d) {
          const doc = groupVersionDocument(g.name, v, registry.resourcesOf(g.name, v), schemas) as V3Doc;
          const text = JSON.stringify(doc);
          d = { text, hash: sha512(text), doc };
          byPath.set(path, d);
        }
        docs.set(path, d);
      }
    }
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [path, d] of docs) paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${d.hash}` };
    const text = JSON.stringify({ paths });
    index = { text, hash: sha512(text) };
    return { docs, index };
  };
  // Rebuilt whenever the v3 documents are (same registry changes); the protobuf form only when asked for.
  let v2: { from: Map<string, Doc>; pb?: Uint8Array; json: string; definitions: Record<string, Record<string, unknown>>; etag: string } | undefined;
  const buildV2 = () => {
    const from = build().docs;
    if (v2?.from === from) return v2;
    const v3 = [...from.values()].map((d) => d.doc);
    // Built-in group-versions' definitions come from their v3 components; resources that bring
    // their own schemas (custom resources) bring their v2 definitions too. A shared meta type
    // (ObjectMeta, ListMeta) keeps the built-in, complete definition.
    const builtin: Record<string, unknown>[] = [];
    const own: Readonly<Record<string, unknown>>[] = [];
    for (const g of registry.groups()) {
      for (const v of g.versions) {
        const defs = registry.resourcesOf(g.name, v);
        const doc = from.get(docPath(g.name, v))?.doc;
        if (doc?.components?.schemas && defs.every((d) => !d.openapi)) builtin.push(doc.components.schemas);
        for (const d of defs) if (d.openapi?.v2Definitions) own.push(d.openapi.v2Definitions);
      }
    }
    const definitions = v2DefinitionsFrom(builtin);
    for (const set of own) for (const [name, schema] of Object.entries(set)) definitions[name] ??= schema as Record<string, unknown>;
    const json = JSON.stringify(openApiV2Json(v3, definitions));
    v2 = { from, json, definitions, etag: `"${sha512(json)}"` };
    return v2;
  };
  return {
    serve(req, url) {
      if (url.pathname === "/openapi/v2" || url.pathname === "/swagger-2.0.0.pb-v1") {
        const doc = buildV2();
        if (req.headers.get("if-none-match") === doc.etag) return new Response(null, { status: 304, headers: { ETag: doc.etag } });
        const pb = url.pathname !== "/openapi/v2" || (req.headers.get("accept") ?? "").includes("protobuf");
        if (pb) doc.pb ??= openApiV2Protobuf([...doc.from.values()].map((d) => d.doc), doc.definitions);
        return pb
          ? new Response(doc.pb, { headers: { "Content-Type": OPENAPI_V2_PROTOBUF, ETag: doc.etag, Vary: "Accept" } })
          : new Response(doc.json, { headers: { "Content-Type": "application/json", ETag: doc.etag, Vary: "Accept" } });
      }
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
