/**
 * The reflector: keeps a sink in step with the server by listing, then watching from the list's
 * resourceVersion with bookmarks. A watch that ends normally is resumed from the last seen
 * resourceVersion; a 410 (Expired) relists at once; any other failure relists after back-off.
 * Runs until `signal` fires.
 */
import { isResourceExpired, type ApiClient, type CollectionTarget, type KubeObject, type Logger, type WatchEvent } from "@lite/sdk";
import { exponentialBackoff, type Backoff } from "./backoff.ts";
import type { Clock } from "./clock.ts";

export interface ReflectorSink<T extends KubeObject> {
  /** The full state as of `resourceVersion` (after the first list and every relist). */
  replace(items: T[], resourceVersion: string): void;
  /** One change. */
  apply(event: WatchEvent<T>): void;
  /** A bookmark: progress without changes. */
  bookmark(resourceVersion: string): void;
}

export interface ReflectorOptions<T extends KubeObject> {
  client: ApiClient;
  target: CollectionTarget;
  labelSelector?: string;
  fieldSelector?: string;
  clock: Clock;
  log: Logger;
  sink: ReflectorSink<T>;
  backoff?: Backoff;
  /** Server-side watch timeout (default 5-10 min, randomised as upstream). */
  watchTimeoutSeconds?: () => number;
}

export async function runReflector<T extends KubeObject>(options: ReflectorOptions<T>, signal: AbortSignal): Promise<void> {
  const { client, target, clock, log, sink } = options;
  const backoff = options.backoff ?? exponentialBackoff();
  const timeout = options.watchTimeoutSeconds ?? (() => Math.floor(300 * (1 + Math.random())));
  const selectors = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
  let resourceVersion = "";
  let needList = true;
  while (!signal.aborted) {
    try {
      if (needList) {
        const list = await client.list<T>(target, { ...selectors, signal });
        if (signal.aborted) return;
        resourceVersion = list.metadata.resourceVersion ?? "";
        for (const item of list.items) {
          // Lists carry apiVersion/kind once; informers hand out complete objects.
          if (!item.kind && list.kind?.endsWith("List")) item.kind = list.kind.slice(0, -4);
          if (!item.apiVersion && list.apiVersion) item.apiVersion = list.apiVersion;
        }
        sink.replace(list.items, resourceVersion);
        needList = false;
      }
      const started = clock.now();
      for await (const event of client.watch<T>(target, {
        ...selectors, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: timeout(), signal,
      })) {
        const rv = event.object?.metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
        if (event.type === "BOOKMARK") sink.bookmark(resourceVersion);
        else sink.apply(event);
      }
      if (signal.aborted) return;
      // A watch that closed at once means trouble (e.g. the server is going away): back off before resuming.
      if (clock.now() - started < 1000) await clock.sleep(backoff.next(), signal);
      else backoff.reset();
    } catch (err) {
      if (signal.aborted) return;
      needList = true;
      if (isResourceExpired(err)) {
        log.debug("watch expired; relisting", { resource: target.resource, resourceVersion });
        continue;
      }
      const delay = backoff.next();
      log.warn("list/watch failed; retrying", { resource: target.resource, error: err instanceof Error ? err.message : String(err), retryMs: delay });
      await clock.sleep(delay, signal);
    }
  }
}
