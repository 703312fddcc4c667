/**
 * A real HTTPS admission webhook server on loopback for tests: its own CA, a serving certificate
 * for 127.0.0.1 and `<service>.<namespace>.svc`, and a handler that turns each AdmissionReview
 * request into a response. Records every review it receives. `startTestHttpsServer` is the bare
 * server, for webhooks that speak another review (CRD conversion).
 */
import { createCertificateAuthority, issueServingCertificate } from "../../../pki/certificates.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

/** What the handler returns for a request: the `response` fields besides uid, or a raw Response. */
export type ReviewHandler = (request: Json, path: string) => Promise<Json | Response> | Json | Response;

export interface TestWebhookServer {
  readonly port: number;
  /** `https://127.0.0.1:PORT` */
  readonly origin: string;
  /** The CA as `caBundle` (base64 PEM). */
  readonly caBundle: string;
  readonly reviews: { path: string; review: Json }[];
  stop(): void;
}

export async function startTestWebhookServer(handler: ReviewHandler, serviceNames: string[] = []): Promise<TestWebhookServer> {
  const reviews: { path: string; review: Json }[] = [];
  const server = await startTestHttpsServer(async (req, path) => {
    const review = (await req.json()) as Json;
    reviews.push({ path, review });
    const answer = await handler(review.request, path);
    if (answer instanceof Response) return answer;
    return Response.json({ apiVersion: review.apiVersion, kind: "AdmissionReview", response: { uid: review.request.uid, ...answer } });
  }, serviceNames);
  return { ...server, reviews };
}

/** A test HTTPS server on loopback: what a webhook of any kind (admission, conversion) is served by. */
export interface TestHttpsServer {
  readonly port: number;
  /** `https://127.0.0.1:PORT` */
  readonly origin: string;
  /** The CA as `caBundle` (base64 PEM). */
  readonly caBundle: string;
  stop(): void;
}

/**
 * Serves `handle` over HTTPS on 127.0.0.1 (OS-assigned port) with a CA of its own and a serving
 * certificate for 127.0.0.1, `localhost` and `serviceNames` (e.g. `<service>.<namespace>.svc`).
 */
export async function startTestHttpsServer(
  handle: (req: Request, path: string) => Promise<Response> | Response,
  serviceNames: string[] = [],
): Promise<TestHttpsServer> {
  const ca = await createCertificateAuthority({ commonName: "webhook-test-ca", days: 1 });
  const serving = await issueServingCertificate(ca, { dns: ["localhost", ...serviceNames], ips: ["127.0.0.1"], days: 1 });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: serving.certPem, key: serving.keyPem },
    fetch: (req) => handle(req, new URL(req.url).pathname),
  });
  return {
    port: server.port!,
    origin: `https://127.0.0.1:${server.port}`,
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    stop: () => server.stop(true),
  };
}

/** base64 of a JSONPatch, as a webhook sends it. */
export function jsonPatch(ops: unknown[]): { patchType: "JSONPatch"; patch: string } {
  return { patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(ops)).toString("base64") };
}
