/**
 * A real aggregated API server on loopback for tests (the role metrics-server or the upstream
 * sample-apiserver play): HTTPS with its own serving CA (a `caBundle` for the APIService), and,
 * when given the request-header CA, a handshake that requires the API server's front-proxy client
 * certificate. It serves `wardle.example.com/v1` `flunders` (list, get, create, watch) whose
 * objects report the X-Remote-* identity each request arrived with, and optionally
 * `metrics.k8s.io/v1beta1` PodMetrics with fixed figures.
 */
import { createCertificateAuthority, issueServingCertificate } from "../../pki/certificates.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

export interface TestAggregatedServer {
  readonly port: number;
  /** base64 PEM of the serving CA, for `spec.caBundle`. */
  readonly caBundle: string;
  /** Request lines seen (`METHOD path?query`) with their identity headers. */
  readonly requests: { line: string; user: string | null; groups: string[] }[];
  stop(): void;
}

const WARDLE = { kind: "APIResourceList", apiVersion: "v1", groupVersion: "wardle.example.com/v1", resources: [
  { name: "flunders", singularName: "flunder", namespaced: true, kind: "Flunder", verbs: ["create", "get", "list", "watch"], shortNames: ["fl"] },
] };
/** The schema a sample API server publishes for its kind (what `kubectl explain` reads). */
const WARDLE_OPENAPI = { openapi: "3.0.0", info: { title: "wardle", version: "v1" }, paths: {}, components: { schemas: {
  "com.example.wardle.v1.Flunder": {
    description: "A Flunder is a sample aggregated kind.", type: "object",
    properties: {
      apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" },
      spec: { description: "What the flunder should be.", type: "object", properties: { colour: { description: "The colour of the flunder.", type: "string" } } },
    },
    "x-kubernetes-group-version-kind": [{ group: "wardle.example.com", version: "v1", kind: "Flunder" }],
  },
} } };
const METRICS = { kind: "APIResourceList", apiVersion: "v1", groupVersion: "metrics.k8s.io/v1beta1", resources: [
  { name: "nodes", singularName: "", namespaced: false, kind: "NodeMetrics", verbs: ["get", "list"] },
  { name: "pods", singularName: "", namespaced: true, kind: "PodMetrics", verbs: ["get", "list"] },
] };

export async function startTestAggregatedServer(o: { serviceNames: string[]; requestHeaderCAPem?: string; metrics?: boolean }): Promise<TestAggregatedServer> {
  const ca = await createCertificateAuthority({ commonName: "aggregated-test-ca", days: 1 });
  const serving = await issueServingCertificate(ca, { dns: o.serviceNames, ips: ["127.0.0.1"], days: 1 });
  const requests: TestAggregatedServer["requests"] = [];
  const stored: Json[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: serving.certPem, key: serving.keyPem, ...(o.requestHeaderCAPem ? { ca: o.requestHeaderCAPem, requestCert: true, rejectUnauthorized: true } : {}) },
    async fetch(req) {
      const url = new URL(req.url);
      const user = req.headers.get("x-remote-user");
      const groups = req.headers.get("x-remote-group")?.split(/,\s*/) ?? [];
      requests.push({ line: `${req.method} ${url.pathname}${url.search}`, user, groups });
      const path = url.pathname;
      if (path === "/apis/wardle.example.com/v1") return Response.json(WARDLE);
      if (path === "/openapi/v3/apis/wardle.example.com/v1") return Response.json(WARDLE_OPENAPI);
      if (o.metrics && path === "/apis/metrics.k8s.io/v1beta1") return Response.json(METRICS);
      const m = path.match(/^\/apis\/wardle\.example\.com\/v1\/namespaces\/([^/]+)\/flunders(?:\/([^/]+))?$/);
      if (m) {
        const [, ns, name] = m;
        const flunder = (n: string, extra: Json = {}) => ({ apiVersion: "wardle.example.com/v1", kind: "Flunder", metadata: { name: n, namespace: ns, resourceVersion: "1", creationTimestamp: "2026-01-01T00:00:00Z" }, spec: { seenUser: user, seenGroups: groups }, ...extra });
        if (req.method === "POST") {
          const body = (await req.json()) as Json;
          const obj = { ...flunder(body.metadata?.name ?? "x"), spec: { ...body.spec, seenUser: user } };
          stored.push(obj);
          return Response.json(obj, { status: 201 });
        }
        if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1") {
          const lines = [...stored.filter((s) => s.metadata.namespace === ns), flunder("watched")].map((obj) => `${JSON.stringify({ type: "ADDED", object: obj })}\n`);
          return new Response(lines.join(""), { headers: { "content-type": "application/json" } });
        }
        if (name) return name === "missing" ? Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: `flunders.wardle.example.com "${name}" not found` }, { status: 404 }) : Response.json(flunder(name));
        return Response.json({ apiVersion: "wardle.example.com/v1", kind: "FlunderList", metadata: { resourceVersion: "1" }, items: [flunder("first"), ...stored.filter((s) => s.metadata.namespace === ns)] });
      }
      const pm = path.match(/^\/apis\/metrics\.k8s\.io\/v1beta1\/namespaces\/([^/]+)\/pods$/);
      if (o.metrics && pm) {
        return Response.json({ kind: "PodMetricsList", apiVersion: "metrics.k8s.io/v1beta1", metadata: {}, items: [
          { metadata: { name: "busy", namespace: pm[1], creationTimestamp: "2026-01-01T00:00:00Z" }, timestamp: "2026-01-01T00:00:00Z", window: "15s", containers: [{ name: "c", usage: { cpu: "250m", memory: "64Mi" } }] },
        ] });
      }
      return Response.json({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404, message: "the server could not find the requested resource" }, { status: 404 });
    },
  });
  return { port: server.port!, caBundle: Buffer.from(ca.certPem).toString("base64"), requests, stop: () => server.stop(true) };
}
