/**
 * The same client over HTTPS for components outside the server process (the agent): the
 * server's CA verifies the server; a client certificate (or a bearer token) identifies the caller.
 */
import type { Transport } from "./transport.ts";

export interface HttpsTransportOptions {
  /** e.g. "https://10.0.0.1:6443" (no trailing slash). */
  server: string;
  /** PEM of the CA that signed the serving certificate. */
  caPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  bearerToken?: string;
}

export function httpsTransport(options: HttpsTransportOptions): Transport {
  const baseUrl = options.server.replace(/\/+$/, "");
  const tls = {
    ca: options.caPem,
    ...(options.clientCertPem && options.clientKeyPem ? { cert: options.clientCertPem, key: options.clientKeyPem } : {}),
  };
  return {
    baseUrl,
    async send(request) {
      const headers = new Headers(request.headers);
      if (options.bearerToken) headers.set("authorization", `Bearer ${options.bearerToken}`);
      // Read whole, without touching `request.body` (which would build a ReadableStream).
      const bytes = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
      const body = bytes && bytes.byteLength > 0 ? bytes : undefined;
      return fetch(request.url, { method: request.method, headers, body, signal: request.signal, tls } as RequestInit);
    },
  };
}
