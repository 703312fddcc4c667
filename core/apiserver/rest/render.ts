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

/**
 * The representation to answer in. Create-only kinds (the access and token reviews) have no table
 * convertor upstream, so a Table is not offered for them: Accept listing only a Table gets 406.
 */
export function negotiate(req: Request, def?: ResourceDef) {
  const shape = negotiateShape(parseAccept(req.headers.get("accept")), { table: !def?.createOnly });
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
  const shape = negotiate(scope.req, scope.def);
  if (shape.shape === "table") {
    const table = toTable(scope.def, [obj], { resourceVersion: obj.metadata.resourceVersion }, { includeObject, includeColumns: true, tableVersion: shape.version, now: ctx.now() });
    return jsonResponse(table, status, headers);
  }
  if (shape.shape === "partial-metadata") return jsonResponse(partialObjectMetadata(obj, shape.version), status, headers);
  // The watch cache's shared objects (reads from it, and writes answered with its object) keep
  // their JSON for every later LIST and watch.
  if (Object.isFrozen(obj)) return new Response(sharedJsonBytes(obj), { status, headers: { "Content-Type": "application/json", ...headers } });
  return jsonResponse(obj, status, headers);
}

export function renderList(ctx: ApiContext, scope: RequestScope, list: ListBody, includeObject: ListOptions["includeObject"]): Response {
  const shape = negotiate(scope.req, scope.def);
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

const utf8 = new TextEncoder();
const ITEMS_OPEN = utf8.encode(',"items":[');
const COMMA = utf8.encode(",");
const TAIL = utf8.encode("]}");

/**
 * `{...head,"items":[...]}` (`head`: the list's JSON without its closing brace). Freshly decoded
 * items are one string (measured faster for them, bench/api/list-encode.ts). Shared (frozen) items,
 * the watch cache's, go out through a direct stream as their remembered UTF-8 bytes
 * (storage/shared-json.ts), item by item, awaiting the connection while it is backed up: no buffer
 * the size of the list is ever made. Assembling one cost ~60 ms of main-thread CPU per 3,000-pod
 * LIST on the reference VM (fresh memory there costs ~19 µs per page fault, and a Response on a
 * Uint8Array copied it once more); streaming the items costs 11-14 ms (bench/api/RESULTS.md).
 * Writes hand over the item bytes themselves (a consumer may keep them), which is safe because
 * they are never modified.
 */
export function jsonListBody(head: string, items: readonly KObject[]): string | ReadableStream<Uint8Array> {
  if (items.length === 0 || !Object.isFrozen(items[0])) return `${head},"items":[${items.map((o) => JSON.stringify(o)).join(",")}]}`;
  const headBytes = utf8.encode(head);
  return new ReadableStream<Uint8Array>({
    type: "direct",
    async pull(controller) {
      if (await writeList(controller, headBytes, items)) controller.close();
    },
  } as Bun.DirectUnderlyingSource<Uint8Array>) as ReadableStream<Uint8Array>;
}

/** The list's pieces in order: head, items with their commas, tail. */
function* listPieces(head: Uint8Array, items: readonly KObject[]): Generator<Uint8Array> {
  yield head;
  yield ITEMS_OPEN;
  for (let i = 0; i < items.length; i++) {
    if (i > 0) yield COMMA;
    yield sharedJsonBytes(items[i]!);
  }
  yield TAIL;
}

/** Writes the list; false when the client went away (then nothing more is written). */
async function writeList(controller: ReadableStreamDirectController, head: Uint8Array, items: readonly KObject[]): Promise<boolean> {
  for (const piece of listPieces(head, items)) {
    // controller.write returns a promise only while the destination is backed up: await just then
    // (an await per piece would cost a microtask each). 0: the destination is gone.
    let n = controller.write(piece);
    if (typeof n !== "number") n = await n;
    if (n === 0) return false;
  }
  return true;
}

/** The watch event encoder for the negotiated representation (Table rows carry columns only once). */
export function watchEncoder(ctx: ApiContext, scope: RequestScope, includeObject: ListOptions["includeObject"]): WatchEncoder {
  const shape = negotiate(scope.req, scope.def);
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
