/**
 * JSON requests straight into the API server's `handle()` as the loopback identity
 * (`system:apiserver` in `system:masters`), for the bootstrap policy and the aggregation
 * reconciler. No sockets; every request goes through the normal REST pipeline.
 */
import type { KObject, UserInfo } from "../../../apiserver/index.ts";

export const LOOPBACK_USER: UserInfo = { username: "system:apiserver", groups: ["system:masters", "system:authenticated"] };

export interface RequestHandler {
  handle(req: Request, user: UserInfo | undefined): Promise<Response>;
}

export class LoopbackError extends Error {
  constructor(readonly code: number, message: string) { super(message); this.name = "LoopbackError"; }
}

export interface LoopbackClient {
  /** The object, or undefined on 404. */
  get(path: string): Promise<KObject | undefined>;
  create(collectionPath: string, obj: KObject): Promise<KObject>;
  update(path: string, obj: KObject): Promise<KObject>;
  delete(path: string): Promise<void>;
}

export function loopbackClient(server: RequestHandler, fieldManager: string): LoopbackClient {
  const call = async (method: string, path: string, body?: KObject): Promise<KObject | undefined> => {
    const sep = path.includes("?") ? "&" : "?";
    const url = method === "POST" || method === "PUT" ? `https://lite.loopback${path}${sep}fieldManager=${encodeURIComponent(fieldManager)}` : `https://lite.loopback${path}`;
    const res = await server.handle(new Request(url, {
      method, headers: { "Content-Type": "application/json", Accept: "application/json" }, body: body ? JSON.stringify(body) : undefined,
    }), { ...LOOPBACK_USER, groups: [...LOOPBACK_USER.groups] });
    const text = await res.text();
    if (res.status === 404 && method === "GET") return undefined;
    if (res.status >= 300) {
      let message = text;
      try { message = (JSON.parse(text) as { message?: string }).message ?? text; } catch { /* not JSON */ }
      throw new LoopbackError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return text ? (JSON.parse(text) as KObject) : undefined;
  };
  return {
    get: (path) => call("GET", path),
    create: async (path, obj) => (await call("POST", path, obj))!,
    update: async (path, obj) => (await call("PUT", path, obj))!,
    delete: async (path) => { await call("DELETE", path); },
  };
}
