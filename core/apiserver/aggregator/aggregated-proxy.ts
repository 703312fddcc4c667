/**
 * Forwarding a request to an aggregated API server (upstream kube-aggregator's proxy handler): to a
 * ready endpoint of the APIService's Service, over TLS verified against `caBundle` as
 * `<service>.<namespace>.svc` (or not verified with `insecureSkipTLSVerify`), presenting the
 * front-proxy client certificate, with the caller's identity in X-Remote-User / X-Remote-Group /
 * X-Remote-Extra-* headers and the caller's own credentials removed (proxy/forward-request.ts).
 * Bodies stream both ways, so watches pass through.
 */
import type { UserInfo } from "../authz/types.ts";
import { forwardedHeaders, forwardRequest } from "../proxy/forward-request.ts";

export interface ProxyTarget {
  /** Endpoint address and port. */
  readonly host: string;
  readonly port: number;
  /** `<service>.<namespace>.svc`, the name the serving certificate must hold. */
  readonly serverName: string;
  readonly caPem?: string;
  readonly insecureSkipTLSVerify: boolean;
}

export interface ProxyClientCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export function proxyToAggregated(req: Request, url: URL, user: UserInfo | undefined, target: ProxyTarget, clientCert: ProxyClientCertificate | undefined): Promise<Response> {
  const host = target.host.includes(":") ? `[${target.host}]` : target.host;
  return forwardRequest(req, `https://${host}:${target.port}${url.pathname}${url.search}`, {
    headers: forwardedHeaders(req.headers, user),
    dialed: `${host}:${target.port}`,
    tls: {
      ...(clientCert ? { cert: clientCert.certPem, key: clientCert.keyPem } : {}),
      ...(target.caPem ? { ca: target.caPem } : {}),
      serverName: target.serverName,
      rejectUnauthorized: !target.insecureSkipTLSVerify,
    },
  });
}
