/**
 * Records core/v1 Events for a component. Writes happen in the background, one at a time, and
 * failures are logged, never thrown. Repeats of (object, type, reason, message) within the cache's
 * memory patch `count` and `lastTimestamp` of the first Event instead of creating another, and
 * each (component, involved object) pair may write 25 Events at once and then one per 5 minutes
 * (upstream's event correlator: its aggregation by exact match and its source-object spam filter).
 */
import { builtinResources, isNotFound, type ApiClient, type EventRecorder, type EventType, type KubeObject, type Logger } from "@lite/sdk";
import type { Clock } from "./clock.ts";
import { createEventSpamFilter, type EventSpamFilterOptions } from "./event-spam-filter.ts";
import { formatTime } from "../../kube-time.ts";

export interface EventRecorderOptions {
  client: ApiClient;
  /** Source component, e.g. "namespace-controller". */
  component: string;
  /** Reporting instance (e.g. the server's node name). */
  host?: string;
  clock: Clock;
  log: Logger;
  /** Aggregation memory (default 4096 distinct events). */
  cacheSize?: number;
  /** The per-object spam filter (default upstream's: burst 25, one per 5 minutes). */
  spamFilter?: EventSpamFilterOptions;
}

export interface BackgroundEventRecorder extends EventRecorder {
  /** Resolves when every event recorded so far has been written (or failed). */
  flush(): Promise<void>;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
}

export function createEventRecorder(options: EventRecorderOptions): BackgroundEventRecorder {
  const { client, component, clock, log } = options;
  const cacheSize = options.cacheSize ?? 4096;
  const seen = new Map<string, Seen>();
  let chain: Promise<void> = Promise.resolve();
  const spam = createEventSpamFilter({ size: cacheSize, ...options.spamFilter });

  const write = async (object: KubeObject, type: EventType, reason: string, message: string) => {
    const meta = object.metadata;
    const namespace = meta.namespace || "default";
    const now = formatTime(clock.now());
    const key = [meta.uid ?? "", object.kind ?? "", meta.namespace ?? "", meta.name ?? "", type, reason, message].join("\u0000");
    const prior = seen.get(key);
    const events = { ...builtinResources.events, namespace };
    if (prior) {
      prior.count++;
      seen.delete(key);
      seen.set(key, prior); // most recently used last
      try {
        await client.patch({ ...events, name: prior.name }, "merge", { count: prior.count, lastTimestamp: now });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        seen.delete(key);
      }
    }
    const name = `${meta.name ?? "unknown"}.${(BigInt(clock.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16)}`;
    await client.create(events, {
      apiVersion: "v1", kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        kind: object.kind, namespace: meta.namespace, name: meta.name, uid: meta.uid, apiVersion: object.apiVersion, resourceVersion: meta.resourceVersion,
      },
      reason, message, type,
      source: { component, ...(options.host ? { host: options.host } : {}) },
      firstTimestamp: now, lastTimestamp: now, count: 1,
      reportingComponent: component, reportingInstance: options.host ?? "",
    });
    seen.set(key, { name, namespace, count: 1 });
    while (seen.size > cacheSize) seen.delete(seen.keys().next().value!);
  };

  return {
    event(object, type, reason, message) {
      const m = object.metadata;
      const spamKey = [component, options.host ?? "", object.kind ?? "", m.namespace ?? "", m.name ?? "", m.uid ?? "", object.apiVersion ?? ""].join("\u0000");
      if (!spam.allow(spamKey, clock.now())) return;
      chain = chain.then(() => write(object, type, reason, message)).catch((err) => {
        log.warn("could not record event", { reason, object: `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`, error: err instanceof Error ? err.message : String(err) });
      });
    },
    flush: () => chain,
  };
}
