/** Rendering objects and lists in the representation the client negotiated (JSON, Table, metadata). */
import { apiErrors } from "../errors/index.ts";
import { apiVersionOf, type KObject, type ResourceDef } from "../resources/index.ts";
import { negotiateShape, parseAccept } from "../request/negotiation.ts";
import { partialObjectMetadata, toTable } from "../table/convert.ts";
import type { ApiContext, RequestScope } from "./context.ts";
import type { ListOptions } from "./options.ts";
import { jsonResponse } from "./respond.ts";
import { sharedJsonBytes } from "../storage/shared-json.ts";
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

/** A list of shared items up to this many bytes is sent as one buffer; a bigger one streams in chunks of about LIST_CHUNK_BYTES. */
const LIST_BUFFER_BYTES = 16 * 1024 * 1024;
const LIST_CHUNK_BYTES = 256 * 1024;
const utf8 = new TextEncoder();
const ITEMS_OPEN = utf8.encode(',"items":[');
const COMMA = 44, CLOSE_BRACKET = 93, CLOSE_BRACE = 125;

/**
 * `{...head,"items":[...]}` (`head`: the list's JSON without its closing brace). Shared (frozen)
 * items, the watch cache's, are copied from their remembered UTF-8 bytes (storage/shared-json.ts):
 * one ArrayBuffer up to LIST_BUFFER_BYTES (Bun sends an ArrayBuffer body without copying it: a
 * 12 MiB body measured 15 ms served and fetched on loopback, 28 ms as a Uint8Array, 31 ms as
 * 256 KiB stream chunks, 89 ms as one stream chunk), else a stream of ~256 KiB chunks produced as the client reads,
 * so a huge list never needs a second copy of itself in memory. Freshly decoded items are one
 * string (measured faster for them, bench/api/list-encode.ts).
 */
export function jsonListBody(head: string, items: readonly KObject[]): string | ArrayBuffer | ReadableStream<Uint8Array> {
  if (items.length === 0 || !Object.isFrozen(items[0])) return `${head},"items":[${items.map((o) => JSON.stringify(o)).join(",")}]}`;
  const headBytes = utf8.encode(head);
  const bytes = items.map((o) => sharedJsonBytes(o));
  const fill = (out: Uint8Array, from: number, to: number): void => {
    let at = 0;
    if (from === 0) { out.set(headBytes, 0); out.set(ITEMS_OPEN, headBytes.length); at = headBytes.length + ITEMS_OPEN.length; }
    for (let i = from; i < to; i++) {
      if (i > 0) out[at++] = COMMA;
      out.set(bytes[i]!, at);
      at += bytes[i]!.length;
    }
    if (to === bytes.length) { out[at++] = CLOSE_BRACKET; out[at++] = CLOSE_BRACE; }
  };
  // Size of items [from, to) with their commas, plus the head or the tail at the ends.
  const sizeOf = (from: number, to: number): number => {
    let size = from === 0 ? headBytes.length + ITEMS_OPEN.length : 0;
    for (let i = from; i < to; i++) size += bytes[i]!.length + (i > 0 ? 1 : 0);
    return to === bytes.length ? size + 2 : size;
  };
  const total = sizeOf(0, bytes.length);
  if (total <= LIST_BUFFER_BYTES) {
    const out = new Uint8Array(total);
    fill(out, 0, bytes.length);
    return out.buffer;
  }
  let next = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const from = next;
      let size = from === 0 ? headBytes.length + ITEMS_OPEN.length : 0;
      while (next < bytes.length && size < LIST_CHUNK_BYTES) size += bytes[next++]!.length + 1;
      const out = new Uint8Array(sizeOf(from, next));
      fill(out, from, next);
      controller.enqueue(out);
      if (next === bytes.length) controller.close();
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
