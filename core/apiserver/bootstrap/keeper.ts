/**
 * The loop behind the objects the API server keeps in step itself (autoregistered APIServices, the
 * APF configuration): `pass` runs once now, then again after any change seen by `caches` (or a
 * `schedule()` call), coalesced and one at a time. A failing pass is logged and retried after
 * `retryMs`; a cache that relists is followed again and triggers a pass. Everything stops with
 * `ctx.signal`. Resolves after the first pass (whether it succeeded or not).
 */
import type { ApiContext } from "../rest/context.ts";
import type { WatchCache } from "../watch-cache/watch-cache.ts";

export interface Keeper {
  /** Asks for another pass. */
  schedule(): void;
}

export async function keepInStep(ctx: ApiContext, o: {
  readonly what: string;
  readonly caches: readonly WatchCache[];
  /** `first` is true until a pass has succeeded once. */
  readonly pass: (first: boolean) => Promise<void>;
  readonly retryMs?: number;
}): Promise<Keeper> {
  const retryMs = o.retryMs ?? 1000;
  let succeeded = false;
  let running: Promise<void> | undefined;
  let again = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const schedule = (): void => {
    if (ctx.signal.aborted) return;
    if (running) { again = true; return; }
    running = (async () => {
      do {
        again = false;
        try {
          await o.pass(!succeeded);
          succeeded = true;
        } catch (err) {
          if (ctx.signal.aborted) return;
          console.error(`${o.what}: ${err instanceof Error ? err.message : String(err)}`);
          if (!retry) retry = setTimeout(() => { retry = undefined; schedule(); }, retryMs);
        }
      } while (again && !ctx.signal.aborted);
    })().finally(() => { running = undefined; });
  };
  schedule();
  await running;

  const follow = (cache: WatchCache): void => {
    let unsubscribe = () => {};
    const subscribe = () => {
      if (ctx.signal.aborted) return;
      unsubscribe = cache.subscribe(cache.revision, {
        onEvent: schedule,
        // The cache relists after a reset: follow it again, and look at everything once more.
        onEnd: (reason) => { if (reason === "reset" && !ctx.signal.aborted) void cache.ready.then(() => setTimeout(() => { subscribe(); schedule(); }, 50)); },
      });
    };
    subscribe();
    ctx.signal.addEventListener("abort", () => unsubscribe(), { once: true });
  };
  ctx.signal.addEventListener("abort", () => { if (retry) clearTimeout(retry); }, { once: true });
  for (const cache of o.caches) follow(cache);
  // Changes between the first pass and the subscriptions.
  schedule();
  return { schedule };
}
