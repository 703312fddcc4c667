// The two servers of the ingress benchmark, each its own process:
//   bun bench/ingress/servers.ts backend            -> prints {"port":N}; answers 200 "hello" (text/plain)
//   bun bench/ingress/servers.ts ingress <backend> [raw|fetch]  -> prints {"port":N}; the traefik plugin's proxy routing
//     bench.test to it, reaching the backend over its raw connection pool (default) or Bun's fetch (the earlier path)
import { buildRoutingTable, startIngressProxy } from "../../plugins/traefik/index.ts";
import { createDefaultCertificate } from "../../plugins/traefik/default-certificate.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const [role, backendPort, upstreamClient = "raw"] = process.argv.slice(2);
if (role === "backend") {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hello from the backend\n", { headers: { "content-type": "text/plain" } }) });
  console.log(JSON.stringify({ port: s.port }));
} else {
  const proxy = await startIngressProxy({ hostname: "127.0.0.1", httpPort: 0, httpsPort: 0, defaultCertificate: await createDefaultCertificate(), log: quiet, serverName: "bench", upstreamClient: upstreamClient as "raw" | "fetch" });
  proxy.update(buildRoutingTable({
    ingressClasses: [],
    ingresses: [{ metadata: { name: "bench", namespace: "default" }, spec: { rules: [{ host: "bench.test", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "be", port: { number: 80 } } } }] } }] } }],
    services: [{ metadata: { name: "be", namespace: "default" }, spec: { ports: [{ port: 80 }] } }],
    endpointSlices: [{ metadata: { namespace: "default", labels: { "kubernetes.io/service-name": "be" } }, addressType: "IPv4", ports: [{ port: Number(backendPort) }], endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }] }],
    secrets: [],
  }));
  console.log(JSON.stringify({ port: proxy.httpPort }));
  // Profiling (bun --cpu-prof ...): exit after this many ms so the profile is written.
  if (process.env.EXIT_AFTER_MS) setTimeout(() => process.exit(0), Number(process.env.EXIT_AFTER_MS));
}
