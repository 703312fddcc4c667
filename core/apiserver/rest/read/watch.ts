/**
 * WATCH: a chunked stream of newline-delimited JSON events (written as they happen; over HTTPS the
 * front's Worker writes them, transport/direct-streams.ts).
 * - resourceVersion unset/"0": synthetic ADDED events for the current state, then changes;
 *   `sendInitialEvents=true` does the same and ends the initial batch with a BOOKMARK annotated
 *   `k8s.io/initial-events-end: "true"`.
 * - resourceVersion N: changes after N; too old → one ERROR event (410 Expired), then the end.
 * - label/field selectors: objects that start matching arrive as ADDED, stop matching as DELETED.
 * - BOOKMARKs every `bookmarkIntervalMs` when allowWatchBookmarks=true; the stream ends after
 *   timeoutSeconds (default 30-60 min), when the client goes away, or when the server closes.
 */
import { apiErrors, toApiError } from "../../errors/index.ts";
import type { KObject } from "../../resources/index.ts";
import type { CacheEvent } from "../../watch-cache/types.ts";
import { toServed, toServedAsync } from "../../conversion/convert.ts";
import { TooOldError } from "../../watch-cache/watch-cache.ts";
import type { ApiContext, RequestScope } from "../context.ts";
import { parseResourceVersion, type ListOptions } from "../options.ts";
import { concatBytes, sharedJsonBytes } from "../../storage/shared-json.ts";
import { buildPredicate } from "./predicate.ts";
import { openEventSource } from "./watch-source.ts";
import { objectWatchResponse, wantsObjects, type ObjectWatchEvent } from "../in-process-objects.ts";
import { PushBody, pushResponse } from "../../transport/push-body.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

/** Turns one event into its wire object (plain object, Table row, ...). */
export interface WatchEncoder {
  object(type: WatchEventType, obj: KObject): unknown;
  bookmark(resourceVersion: string, initialEventsEnd: boolean): unknown;
}

const MIN_REQUEST_TIMEOUT_S = 1800;

/** `{"type":"<TYPE>","object":` and `}\n` as bytes: a watch event line is these around the object's shared bytes. */
const utf8 = new TextEncoder();
const eventPrefixes = new Map<string, Uint8Array>();
function eventPrefix(type: string): Uint8Array {
  let p = eventPrefixes.get(type);
  if (!p) eventPrefixes.set(type, (p = utf8.encode(`{"type":"${type}","object":`)));
  return p;
}
const EVENT_SUFFIX = utf8.encode("}\n");

export async function watchObjects(ctx: ApiContext, scope: RequestScope, opts: ListOptions, encoder: WatchEncoder): Promise<Response> {
  const { def, info } = scope;
  const pred = buildPredicate(def, opts.labelSelector, opts.fieldSelector);
  const rv = parseResourceVersion(opts.resourceVersion);
  if (opts.sendInitialEvents !== undefined) {
    if (opts.resourceVersionMatch !== "NotOlderThan") {
      throw apiErrors.invalid("meta.k8s.io", "ListOptions", "", [{ type: "FieldValueForbidden", field: "sendInitialEvents", body: "Forbidden: sendInitialEvents is forbidden for watch unless resourceVersionMatch is set to NotOlderThan" }]);
    }
    if (opts.sendInitialEvents && !opts.allowWatchBookmarks) {
      throw apiErrors.invalid("meta.k8s.io", "ListOptions", "", [{ type: "FieldValueForbidden", field: "allowWatchBookmarks", body: "Forbidden: allowWatchBookmarks must be set to true when sendInitialEvents is set" }]);
    }
  } else if (opts.resourceVersionMatch) {
    throw apiErrors.badRequest("resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
  }
  const cache = ctx.watchCache(def);
  await cache.ready;
  const rs = ctx.resourceStore(def);
  const prefix = rs.listPrefix(info.namespace);
  const initial = opts.sendInitialEvents ?? (opts.resourceVersion === "" || opts.resourceVersion === "0");
  const timeoutMs = (opts.timeoutSeconds ?? MIN_REQUEST_TIMEOUT_S * (1 + Math.random())) * 1000;
  const cleanups: Array<() => void> = [];
  let closed = false;
  let sentAny = false;
  let lastRevision = rv;
  // In-process informers take the cache's objects as they are (in-process-objects.ts).
  const objects = wantsObjects(scope.req);
  const stats = scope.watchStats;

  /** Stops the watch and releases what it holds (the client went away, or close() below). */
  const cancel = () => {
    if (closed) return;
    closed = true;
    for (const c of cleanups) c();
  };
  /** Runs the watch into `out`; returns once its initial events are written (queued, with webhook conversion) and the feed is open. */
  const run = (out: WatchOutput) => {
    if (stats) cleanups.push(stats.end);
    const close = () => {
      if (closed) return;
      cancel();
      out.end();
    };
    const send = (type: WatchEventType, object: unknown) => {
      if (closed) return;
      sentAny = true;
      stats?.events.inc();
      if (objects) out.event({ type, object: object as ObjectWatchEvent["object"] });
      // One encoding per shared object and event type, however many watchers send it.
      else out.bytes(eventLine(type, object as object));
    };
    /** Sends what `e` means for this watch, given its object (and previous object) in the served version. */
    const emit = (e: CacheEvent, object: KObject, prev: () => KObject) => {
      const now = pred.matches(object);
      const before = e.prevObject ? pred.empty || pred.matches(prev()) : false;
      let type: WatchEventType | undefined;
      if (e.type === "ADDED") type = now ? "ADDED" : undefined;
      else if (e.type === "DELETED") type = pred.empty || now || before ? "DELETED" : undefined;
      else if (now && before) type = "MODIFIED";
      else if (now) type = "ADDED";
      else if (before) type = "DELETED";
      if (type) send(type, encoder.object(type, object));
    };
    // Webhook conversion (def.asyncConversion only): events are converted and sent one at a time,
    // in arrival order; a failed conversion ends the watch with an ERROR event, as upstream.
    let chain = Promise.resolve();
    const queued = (work: () => Promise<void>) => {
      chain = chain.then(work).catch((err) => {
        if (closed) return;
        send("ERROR", toApiError(err).toStatus());
        close();
      });
    };
    const deliver = (e: CacheEvent) => {
      if (!e.key.startsWith(prefix)) return;
      lastRevision = Math.max(lastRevision, e.revision);
      if (!def.asyncConversion) {
        emit(e, toServed(def, e.object), () => toServed(def, e.prevObject!));
        return;
      }
      queued(async () => {
        if (closed) return;
        const withPrev = e.prevObject && !pred.empty;
        const [object, prev] = await toServedAsync(def, withPrev ? [e.object, e.prevObject!] : [e.object]);
        emit(e, object!, () => prev!);
      });
    };
    const sink = { onEvent: deliver, onEnd: () => close() };
    let startRevision = rv;
    if (initial) {
      const snap = cache.snapshot(prefix);
      const sendInitial = (objs: readonly KObject[]) => {
        for (const object of objs) if (pred.matches(object)) send("ADDED", encoder.object("ADDED", object));
        if (opts.sendInitialEvents) send("BOOKMARK", encoder.bookmark(String(snap.revision), true));
      };
      if (!def.asyncConversion) sendInitial(snap.items.map((item) => toServed(def, item.object)));
      else queued(async () => sendInitial(await toServedAsync(def, snap.items.map((item) => item.object))));
      startRevision = snap.revision;
      lastRevision = snap.revision;
    }
    try {
      cleanups.push(openEventSource(cache, ctx.store, (kv, r) => rs.decodeStored(kv, r), startRevision, sink));
    } catch (err) {
      if (err instanceof TooOldError) {
        send("ERROR", apiErrors.tooOldResourceVersion(err.requested, err.oldest).toStatus());
        close();
        return;
      }
      throw err;
    }
    if (opts.allowWatchBookmarks) {
      const timer = setInterval(() => send("BOOKMARK", encoder.bookmark(String(Math.max(lastRevision, cache.revision)), false)), ctx.bookmarkIntervalMs);
      cleanups.push(() => clearInterval(timer));
    }
    if (!sentAny && !closed && !objects) out.bytes(OPENING_LINE);
    const timeout = setTimeout(close, timeoutMs);
    cleanups.push(() => clearTimeout(timeout));
    const onAbort = () => close();
    ctx.signal.addEventListener("abort", onAbort);
    scope.req.signal?.addEventListener("abort", onAbort);
    cleanups.push(() => { ctx.signal.removeEventListener("abort", onAbort); scope.req.signal?.removeEventListener("abort", onAbort); });
  };
  const headers = { "Content-Type": "application/json", "Cache-Control": "no-cache, private" };
  if (objects) {
    const events = new ReadableStream<ObjectWatchEvent>({
      start: (controller) => run({ event: (e) => controller.enqueue(e), bytes: () => {}, end: () => { try { controller.close(); } catch { /* already closed */ } } }),
      cancel,
    });
    return objectWatchResponse(events, headers);
  }
  const body = new PushBody();
  body.onCancel(cancel);
  try {
    run({ event: () => {}, bytes: (b) => body.write(b), end: () => body.end() });
  } catch (err) {
    cancel();
    throw err;
  }
  return pushResponse(body, { status: 200, headers });
}

/** Where a running watch writes: objects for in-process informers, event lines for everyone else. */
interface WatchOutput {
  event(e: ObjectWatchEvent): void;
  bytes(line: Uint8Array): void;
  end(): void;
}

/**
 * Bun completes the response headers only with the first body chunk, and clients wait for them
 * (client-node's informer start(), client-go's Watch()). With nothing else to send yet, a blank
 * line opens the stream: JSON stream decoders skip whitespace between events.
 */
const OPENING_LINE = utf8.encode("\n");

/** Event lines of shared (frozen) objects by type, so N watchers of one event share one buffer. */
const sharedLines = new WeakMap<object, Map<string, Uint8Array>>();

/** `{"type":TYPE,"object":OBJECT}\n` as bytes; callers must not modify them. */
function eventLine(type: WatchEventType, object: object): Uint8Array {
  let byType = sharedLines.get(object);
  let line = byType?.get(type);
  if (line) return line;
  line = concatBytes([eventPrefix(type), sharedJsonBytes(object), EVENT_SUFFIX]);
  if (Object.isFrozen(object)) {
    if (!byType) sharedLines.set(object, (byType = new Map()));
    byType.set(type, line);
  }
  return line;
}
