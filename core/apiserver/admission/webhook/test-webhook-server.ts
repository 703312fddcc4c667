/**
 * A real HTTPS admission webhook server on loopback for tests: its own CA, a serving certificate
 * for 127.0.0.1 and `<service>.<namespace>.svc`, and a handler that turns each AdmissionReview
 * request into a response. Records every review it receives.
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
  const ca = await createCertificateAuthority({ commonName: "webhook-test-ca", days: 1 });
  const serving = await issueServingCertificate(ca, { dns: ["localhost", ...serviceNames], ips: ["127.0.0.1"], days: 1 });
  const reviews: { path: string; review: Json }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: serving.certPem, key: serving.keyPem },
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const review = (await req.json()) as Json;
      reviews.push({ path, review });
      const answer = await handler(review.request, path);
      if (answer instanceof Response) return answer;
      return Response.json({ apiVersion: review.apiVersion, kind: "AdmissionReview", response: { uid: review.request.uid, ...answer } });
    },
  });
  return {
    port: server.port!,
    origin: `https://127.0.0.1:${server.port}`,
    caBundle: Buffer.from(ca.certPem).toString("base64"),
    reviews,
    stop: () => server.stop(true),
  };
}

/** base64 of a JSONPatch, as a webhook sends it. */
export function jsonPatch(ops: unknown[]): { patchType: "JSONPatch"; patch: string } {
  return { patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(ops)).toString("base64") };
}
