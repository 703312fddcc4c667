/**
 * Loads @kubernetes/client-node so that its HTTP requests carry the kubeconfig's TLS material.
 *
 * client-node 2.x sends requests through `fetch` from "undici" with a `dispatcher` (an undici
 * Agent holding the CA and client certificate). Bun's built-in "undici" ignores dispatchers, so the
 * certificates would never be used. This replaces "undici" (for the importing test file's process)
 * with a shim that hands the same TLS options to Bun's fetch (`tls`), then imports the client.
 * WebSockets (exec, attach) go through "ws", which takes the TLS options directly.
 */
import { mock } from "bun:test";

class TlsAgent {
  constructor(readonly options: { connect?: Record<string, unknown> } = {}) {}
  close(): Promise<void> { return Promise.resolve(); }
  destroy(): Promise<void> { return Promise.resolve(); }
}

export async function loadClientNode(): Promise<typeof import("@kubernetes/client-node")> {
  const bunFetch = globalThis.fetch;
  const shim = {
    Agent: TlsAgent,
    ProxyAgent: TlsAgent,
    fetch: (input: string | URL | Request, init: RequestInit & { dispatcher?: TlsAgent } = {}) => {
      const { dispatcher, ...rest } = init;
      const tls = dispatcher?.options.connect;
      return bunFetch(input, tls ? { ...rest, tls } : rest);
    },
  };
  mock.module("undici", () => ({ ...shim, default: shim }));
  return import("@kubernetes/client-node");
}
