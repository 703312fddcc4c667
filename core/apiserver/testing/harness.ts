/** In-process test harness: a memory store, an ApiServer, and JSON request helpers (no sockets). */
import { createMemoryStore } from "../../store/memory.ts";
import type { Store } from "../../store/types.ts";
import type { UserInfo } from "../authz/types.ts";
import { createApiServer, type ApiServer, type ApiServerOptions } from "../server.ts";

export const ADMIN: UserInfo = { username: "admin", groups: ["system:masters", "system:authenticated"] };

export interface Harness {
  readonly server: ApiServer;
  readonly store: Store;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>, user?: UserInfo | null): Promise<{ status: number; body: any; headers: Headers; text: string }>;
  close(): Promise<void>;
}

export async function startHarness(extra: Partial<ApiServerOptions> = {}): Promise<Harness> {
  const store = extra.store ?? createMemoryStore();
  const server = await createApiServer({ store, serviceCIDR: "10.43.0.0/16", nodePortRange: { min: 30000, max: 32767 }, clusterDomain: "cluster.local", ...extra });
  return {
    server, store,
    async call(method, path, body, headers = {}, user = ADMIN) {
      const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
      if (body !== undefined) init.body = typeof body === "string" ? body : JSON.stringify(body);
      const res = await server.handle(new Request(`https://lite.test${path}`, init), user ?? undefined);
      const text = await res.text();
      let parsed: any;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
      return { status: res.status, body: parsed, headers: res.headers, text };
    },
    async close() { await server.close(); await store.close(); },
  };
}

export function pod(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.25" }] }, ...extra };
}

/** Reads newline-delimited watch events from a streaming response until `count` arrive or timeout. */
export async function readEvents(res: Response, count: number, timeoutMs = 2000): Promise<any[]> {
  const reader = res.body!.getReader();
  const events: any[] = [];
  let buf = "";
  const dec = new TextDecoder();
  const deadline = Date.now() + timeoutMs;
  while (events.length < count && Date.now() < deadline) {
    const r = await Promise.race([reader.read(), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => undefined)]);
    if (!r || r.done) break;
    buf += dec.decode(r.value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) events.push(JSON.parse(line)); // a blank line opens an otherwise idle stream
    }
  }
  reader.cancel().catch(() => {});
  return events;
}
