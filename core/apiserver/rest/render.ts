/** Rendering objects and lists in the representation the client negotiated (JSON, Table, metadata). */
import { apiErrors } from "../errors/index.ts";
import { apiVersionOf, type KObject, type ResourceDef } from "../resources/index.ts";
import { negotiateShape, parseAccept } from "../request/negotiation.ts";
import { partialObjectMetadata, toTable } from "../table/convert.ts";
import type { ApiContext, RequestScope } from "./context.ts";
import type { ListOptions } from "./options.ts";
import { jsonResponse } from "./respond.ts";
import { sharedJson } from "../storage/shared-json.ts";
import type { WatchEncoder } from "./read/watch.ts";

const ACCEPTED = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf", "application/json;as=Table;v=v1;g=meta.k8s.io"];

export function negotiate(req: Request) {
  const shape = negotiateShape(parseAccept(req.headers.get("accept")));
  if (!shape) throw apiErrors.notAcceptable(ACCEPTED);
  return shape;
}

export interface ListBody {
  items: KObject[];
  resourceVersion: string;
  continueToken: string;
  remainingItemCount?: number;
}

function listMeta(list: ListBody) {
  const meta: { resourceVersion: string; continue?: string; remainingItemCount?: number } = { resourceVersion: list.resourceVersion };
  if (list.continueToken) meta.continue = list.continueToken;
  if (list.remainingItemCount !== undefined) meta.remainingItemCount = list.remainingItemCount;
  return meta;
}

export function renderObject(ctx: ApiContext, scope: RequestScope, obj: KObject, status = 200, headers: Record<string, string> = {}, includeObject: ListOptions["includeObject"] = "Metadata"): Response {
  const shape = negotiate(scope.req);
  if (shape.shape === "table") {
    const table = toTable(scope.def, [obj], { resourceVersion: obj.metadata.resourceVersion }, { includeObject, includeColumns: true, tableVersion: shape.version, now: ctx.now() });
    return jsonResponse(table, status, headers);
  }
  if (shape.shape === "partial-metadata") return jsonResponse(partialObjectMetadata(obj, shape.version), status, headers);
  return jsonResponse(obj, status, headers);
}

export function renderList(ctx: ApiContext, scope: RequestScope, list: ListBody, includeObject: ListOptions["includeObject"]): Response {
  const shape = negotiate(scope.req);
  const def: ResourceDef = scope.def;
  if (shape.shape === "table") {
    return jsonResponse(toTable(def, list.items, listMeta(list), { includeObject, includeColumns: true, tableVersion: shape.version, now: ctx.now() }));
  }
  if (shape.shape === "partial-metadata") {
    return jsonResponse({
      kind: "PartialObjectMetadataList", apiVersion: `meta.k8s.io/${shape.version}`, metadata: listMeta(list),
      items: list.items.map((o) => partialObjectMetadata(o, shape.version)),
    });
  }
  const head = JSON.stringify({ kind: def.listKind, apiVersion: apiVersionOf(def), metadata: listMeta(list) });
  return new Response(jsonListBody(head.slice(0, -1), list.items), { status: 200, headers: { "Content-Type": "application/json" } });
}

/** Lists with more items than this are streamed in chunks of about LIST_CHUNK_CHARS. */
const LIST_STREAM_ITEMS = 500;
const LIST_CHUNK_CHARS = 256 * 1024;

/**
 * `{...head,"items":[...]}` from each item's JSON text (the watch cache's shared objects are
 * serialized once, storage/shared-json.ts). A big list of shared (frozen) items is streamed in
 * ~256 KiB chunks as the client reads, instead of one string and one buffer the size of the
 * whole list; freshly decoded items (consistent reads) measured faster as one string
 * (bench/api/list-encode.ts). `head` is the list's JSON without its closing brace.
 */
export function jsonListBody(head: string, items: readonly KObject[]): string | ReadableStream<Uint8Array> {
  if (items.length <= LIST_STREAM_ITEMS || !Object.isFrozen(items[0])) return `${head},"items":[${items.map((o) => sharedJson(o)).join(",")}]}`;
  const enc = new TextEncoder();
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const parts: string[] = next === 0 ? [`${head},"items":[`] : [];
      let size = 0;
      while (next < items.length && size < LIST_CHUNK_CHARS) {
        const text = sharedJson(items[next]!);
        parts.push(next === 0 ? text : `,${text}`);
        size += text.length;
        next++;
      }
      if (next === items.length) parts.push("]}");
      controller.enqueue(enc.encode(parts.join("")));
      if (next === items.length) controller.close();
    },
  });
}

/** The watch event encoder for the negotiated representation (Table rows carry columns only once). */
export function watchEncoder(ctx: ApiContext, scope: RequestScope, includeObject: ListOptions["includeObject"]): WatchEncoder {
  const shape = negotiate(scope.req);
  const def = scope.def;
  const typed = (o: KObject): KObject => ({ ...o, kind: def.kind, apiVersion: apiVersionOf(def) });
  if (shape.shape === "table") {
    let first = true;
    return {
      object(_type, obj) {
        const t = toTable(def, [typed(obj)], { resourceVersion: obj.metadata.resourceVersion }, { includeObject, includeColumns: first, tableVersion: shape.version, now: ctx.now() });
        first = false;
        return t;
      },
      bookmark(rv) {
        return { kind: "Table", apiVersion: `meta.k8s.io/${shape.version}`, metadata: { resourceVersion: rv }, rows: [] };
      },
    };
  }
  if (shape.shape === "partial-metadata") {
    return {
      object: (_t, obj) => partialObjectMetadata(obj, shape.version),
      bookmark: (rv, end) => ({ kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${shape.version}`, metadata: bookmarkMeta(rv, end) }),
    };
  }
  return {
    // Already typed (e.g. a shared cache object): the same object, so its JSON text is reused.
    object: (_t, obj) => (obj.kind === def.kind && obj.apiVersion === apiVersionOf(def) ? obj : typed(obj)),
    bookmark: (rv, end) => ({ kind: def.kind, apiVersion: apiVersionOf(def), metadata: bookmarkMeta(rv, end) }),
  };
}

function bookmarkMeta(rv: string, initialEventsEnd: boolean) {
  const meta: Record<string, unknown> = { resourceVersion: rv, creationTimestamp: null };
  if (initialEventsEnd) meta.annotations = { "k8s.io/initial-events-end": "true" };
  return meta;
}
