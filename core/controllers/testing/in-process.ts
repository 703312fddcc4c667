/**
 * Test support: a real API server on a memory store with clients over the in-process
 * transport, plus a transport wrapper that can cut and hold watches (to force relists).
 */
import type { ApiClient, Logger } from "@lite/sdk";
import { createApiClient, inProcessTransport, type Transport } from "../../client/index.ts";
import { ADMIN, startHarness, type Harness } from "../../apiserver/testing/harness.ts";
import type { ApiServerOptions } from "../../apiserver/index.ts";
import { objectEventsOf, objectWatchResponse, type ObjectWatchEvent } from "../../apiserver/rest/in-process-objects.ts";

export const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLog };

/** Records log lines (for assertions). */
export function recordingLog(lines: string[] = []): Logger & { lines: string[] } {
  const log = {
    lines,
    debug: (m: string) => { lines.push(`debug ${m}`); },
    info: (m: string) => { lines.push(`info ${m}`); },
    warn: (m: string, f?: Record<string, unknown>) => { lines.push(`warn ${m} ${JSON.stringify(f ?? {})}`); },
    error: (m: string, f?: Record<string, unknown>) => { lines.push(`error ${m} ${JSON.stringify(f ?? {})}`); },
    child: () => log,
  };
  return log;
}

/** A transport whose watches can be cut (streams end) and held (new watches wait), and which counts requests. */
export interface ControllableTransport extends Transport {
  cutWatches(): void;
  /** Watches whose response is streaming now. */
  liveWatches(): number;
  holdWatches(): void;
  releaseWatches(): void;
  readonly counts: { list: number; watch: number };
}

export function controllableTransport(inner: Transport): ControllableTransport {
  const live = new Set<() => void>();
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  const counts = { list: 0, watch: 0 };
  return {
    baseUrl: inner.baseUrl,
    counts,
    async send(req) {
      const url = new URL(req.url);
      const isWatch = url.searchParams.get("watch") === "true";
      if (req.method === "GET" && !isWatch && isCollectionPath(url.pathname)) counts.list++;
      if (!isWatch) return inner.send(req);
      counts.watch++;
      if (gate) await gate.promise;
      const res = await inner.send(req);
      // Watches answered with objects (in-process) or bytes: either stream can be cut.
      const objects = objectEventsOf(res);
      const source: ReadableStream<unknown> | null = objects ?? res.body;
      if (!source) return res;
      const reader = source.getReader();
      let cut = () => {};
      const body = new ReadableStream<unknown>({
        start(controller) {
          cut = () => { try { controller.close(); } catch { /* closed */ } reader.cancel().catch(() => {}); };
          live.add(cut);
        },
        async pull(controller) {
          const r = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (r.done) { live.delete(cut); try { controller.close(); } catch { /* closed */ } return; }
          try { controller.enqueue(r.value!); } catch { /* closed */ }
        },
        cancel() { live.delete(cut); return reader.cancel(); },
      });
      if (objects) return objectWatchResponse(body as ReadableStream<ObjectWatchEvent>, Object.fromEntries(res.headers));
      return new Response(body as ReadableStream<Uint8Array>, { status: res.status, headers: res.headers });
    },
    liveWatches: () => live.size,
    cutWatches() { for (const c of [...live]) c(); live.clear(); },
    holdWatches() {
      let open = () => {};
      const promise = new Promise<void>((r) => { open = r; });
      gate = { promise, open };
    },
    releaseWatches() { gate?.open(); gate = undefined; },
  };
}

export interface TestCluster {
  readonly harness: Harness;
  readonly transport: ControllableTransport;
  /** A client as cluster admin over the controllable transport. */
  readonly client: ApiClient;
  close(): Promise<void>;
}

export async function startTestCluster(options: Partial<ApiServerOptions> = {}): Promise<TestCluster> {
  const harness = await startHarness(options);
  const transport = controllableTransport(inProcessTransport(harness.server, ADMIN));
  const client = createApiClient({ transport, fieldManager: "test" });
  return { harness, transport, client, close: () => harness.close() };
}

/** Polls `check` until it returns truthy (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await Bun.sleep(10);
  }
}

/** `/api/v1/res`, `/api/v1/namespaces/ns/res`, `/apis/g/v/res`, `/apis/g/v/namespaces/ns/res`. */
function isCollectionPath(path: string): boolean {
  const parts = path.split("/").filter(Boolean);
  const rest = parts[0] === "api" ? parts.slice(2) : parts[0] === "apis" ? parts.slice(3) : [];
  return rest.length === 1 || (rest.length === 3 && rest[0] === "namespaces");
}
