/**
 * The ApiClient over a Transport: builds REST requests, decodes JSON, turns failures into
 * ApiStatusError. Holds no state besides its options, so any number may coexist.
 */
import {
  ApiStatusError, apiVersionOf, type ApiClient, type CollectionTarget, type DeleteOptions, type KubeObject, type ObjectList,
  type ObjectTarget, type PatchType, type Status, type WatchEvent,
} from "@lite/sdk";
import { discover } from "./discovery.ts";
import { resourcePath, withQuery } from "./paths.ts";
import type { Transport } from "./transport.ts";
import { readJsonLines, readObjectEvents } from "./watch-stream.ts";
import { objectEventsOf } from "../apiserver/rest/in-process-objects.ts";

export interface ApiClientOptions {
  transport: Transport;
  /** Default field manager of writes (e.g. "kube-controller-manager" or a plugin id). */
  fieldManager: string;
  userAgent?: string;
}

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
  apply: "application/apply-patch+yaml",
};

const REASONS: Record<number, string> = {
  400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable",
  409: "Conflict", 410: "Expired", 413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid",
  429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
};

/** The Status a failed response carries, or one synthesised from its code and text. */
export async function errorFromResponse(res: Response): Promise<ApiStatusError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Status;
    if (body && body.kind === "Status") return new ApiStatusError({ ...body, code: body.code ?? res.status });
  } catch { /* not JSON */ }
  return new ApiStatusError({ kind: "Status", status: "Failure", code: res.status, reason: REASONS[res.status] ?? "Unknown", message: text.trim() || res.statusText });
}

/** Only the collection part of a target (a stray `name` must not turn a list into a get). */
function collection(t: CollectionTarget): CollectionTarget {
  return { group: t.group, version: t.version, resource: t.resource, namespace: t.namespace };
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const { transport, fieldManager } = options;
  const userAgent = options.userAgent ?? `lite/${fieldManager}`;

  async function call(method: string, path: string, init: { body?: unknown; contentType?: string; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", "user-agent": userAgent };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers["content-type"] = init.contentType ?? "application/json";
    }
    const res = await transport.send(new Request(`${transport.baseUrl}${path}`, { method, headers, body, signal: init.signal }));
    if (!res.ok) throw await errorFromResponse(res);
    return res;
  }
  async function json<T>(method: string, path: string, init: { body?: unknown; contentType?: string; signal?: AbortSignal } = {}): Promise<T> {
    return (await call(method, path, init)).json() as Promise<T>;
  }
  const writeQuery = (o: { fieldManager?: string; dryRun?: boolean; fieldValidation?: string } | undefined) => ({
    fieldManager: o?.fieldManager ?? fieldManager,
    dryRun: o?.dryRun ? "All" : undefined,
    fieldValidation: o?.fieldValidation,
  });
  const objectTarget = (target: CollectionTarget & { name?: string }, obj: KubeObject): ObjectTarget => ({
    ...target,
    namespace: target.namespace || obj.metadata.namespace,
    name: target.name ?? obj.metadata.name ?? "",
  });
  const withKind = <T extends KubeObject>(target: CollectionTarget, obj: T, kind?: string): T =>
    ({ ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(target), ...(obj.kind || !kind ? {} : { kind }) });
  const deleteBody = (o: DeleteOptions | undefined) => {
    const b: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" };
    if (o?.gracePeriodSeconds !== undefined) b.gracePeriodSeconds = o.gracePeriodSeconds;
    if (o?.propagationPolicy) b.propagationPolicy = o.propagationPolicy;
    if (o?.preconditions) b.preconditions = o.preconditions;
    if (o?.dryRun) b.dryRun = ["All"];
    return b;
  };

  const client: ApiClient = {
    fieldManager,
    get: (target, o) => json("GET", withQuery(resourcePath(target, o?.subresource), { resourceVersion: o?.resourceVersion }), { signal: o?.signal }),
    list: <T extends KubeObject>(target: CollectionTarget, o?: Parameters<ApiClient["list"]>[1]) => json<ObjectList<T>>("GET", withQuery(resourcePath(collection(target)), {
      labelSelector: o?.labelSelector, fieldSelector: o?.fieldSelector, resourceVersion: o?.resourceVersion,
      resourceVersionMatch: o?.resourceVersionMatch, limit: o?.limit, continue: o?.continue,
    }), { signal: o?.signal }),
    // With `subresource` (e.g. pods/binding, pods/eviction) the POST goes to the named object's subresource.
    create: (target, obj, o) => json("POST", withQuery(o?.subresource
      ? resourcePath({ ...collection({ ...target, namespace: target.namespace || obj.metadata.namespace }), name: (target as { name?: string }).name ?? obj.metadata.name ?? "" }, o.subresource)
      : resourcePath(collection({ ...target, namespace: target.namespace || obj.metadata.namespace })), writeQuery(o)), {
      body: withKind(target, obj), signal: o?.signal,
    }),
    update: (target, obj, o) => json("PUT", withQuery(resourcePath(objectTarget(target, obj), o?.subresource), writeQuery(o)), { body: withKind(target, obj), signal: o?.signal }),
    updateStatus: (target, obj, o) => json("PUT", withQuery(resourcePath(objectTarget(target, obj), "status"), writeQuery(o)), { body: withKind(target, obj), signal: o?.signal }),
    patch: (target, type, patch, o) => json("PATCH", withQuery(resourcePath(target, o?.subresource), { ...writeQuery(o), force: type === "apply" && o?.force ? true : undefined }), {
      body: patch, contentType: PATCH_CONTENT_TYPES[type], signal: o?.signal,
    }),
    delete: (target, o) => json("DELETE", resourcePath(target), { body: deleteBody(o), signal: o?.signal }),
    async deleteCollection(target, o) {
      const res = await call("DELETE", withQuery(resourcePath(collection(target)), { labelSelector: o?.labelSelector, fieldSelector: o?.fieldSelector }), {
        body: deleteBody(o), signal: o?.signal,
      });
      await res.body?.cancel();
    },
    watch<T extends KubeObject>(target: CollectionTarget, o: Parameters<ApiClient["watch"]>[1]): AsyncIterable<WatchEvent<T>> {
      const path = withQuery(resourcePath(collection(target)), {
        watch: true, resourceVersion: o.resourceVersion, labelSelector: o.labelSelector, fieldSelector: o.fieldSelector,
        allowWatchBookmarks: o.allowWatchBookmarks, timeoutSeconds: o.timeoutSeconds,
      });
      return {
        async *[Symbol.asyncIterator]() {
          if (o.signal.aborted) return;
          const res = await call("GET", path, { signal: o.signal });
          const objects = objectEventsOf(res);
          if (!objects && !res.body) return;
          for await (const raw of objects ? readObjectEvents(objects, o.signal) : readJsonLines(res.body!, o.signal)) {
            const event = raw as { type?: string; object?: unknown };
            if (event.type === "ERROR") throw new ApiStatusError((event.object ?? {}) as Status);
            if (event.type === "ADDED" || event.type === "MODIFIED" || event.type === "DELETED" || event.type === "BOOKMARK") {
              yield { type: event.type, object: event.object as T };
            }
          }
        },
      };
    },
    discover: (o) => discover((path, signal) => json("GET", path, { signal }), o?.signal),
  };
  return client;
}
