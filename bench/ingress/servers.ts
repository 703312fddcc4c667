// The servers of the ingress benchmark, each its own process:
//   bun bench/ingress/servers.ts backend            -> prints {"port":N}; answers 200 "hello" (text/plain)
//   bun bench/ingress/servers.ts relay <backend>    -> prints {"port":N}; a byte relay, no HTTP at all (one backend
//     connection per client connection, bytes copied both ways): the floor of any proxy written on Bun sockets
//   bun bench/ingress/servers.ts ingress <backend> [raw|serve|fetch]  -> prints {"port":N}; the traefik plugin's proxy routing
//     bench.test to it: "raw" (default) the raw HTTP/1.1 listener on Bun.listen; "serve" Bun.serve with the raw upstream
//     pool (the default before); "fetch" Bun.serve with Bun's fetch (the first version)
import type { Socket } from "bun";
import { buildRoutingTable, startIngressProxy } from "../../plugins/traefik/index.ts";
import { createDefaultCertificate } from "../../plugins/traefik/default-certificate.ts";

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const [role, backendPort, variant = "raw"] = process.argv.slice(2);
if (role === "backend") {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hello from the backend\n", { headers: { "content-type": "text/plain" } }) });
  console.log(JSON.stringify({ port: s.port }));
} else if (role === "relay") {
  type Side = { peer: Socket<Side> | null; early: Uint8Array[] };
  const l = Bun.listen<Side>({
    hostname: "127.0.0.1", port: 0,
    socket: {
      async open(client) {
        client.data = { peer: null, early: [] };
        client.setNoDelay(true);
        const up = await Bun.connect<Side>({ hostname: "127.0.0.1", port: Number(backendPort), data: { peer: client, early: [] }, socket: { data(u, d) { u.data.peer?.write(d); }, close(u) { u.data.peer?.end(); } } });
        up.setNoDelay(true);
        client.data.peer = up;
        for (const b of client.data.early) up.write(b);
      },
      data(client, d) { if (client.data.peer) client.data.peer.write(d); else client.data.early.push(d); },
      close(client) { client.data.peer?.end(); },
    },
  });
  console.log(JSON.stringify({ port: l.port }));
} else {
  const proxy = await startIngressProxy({ hostname: "127.0.0.1", httpPort: 0, httpsPort: 0, defaultCertificate: await createDefaultCertificate(), log: quiet, serverName: "bench",
    webListener: variant === "raw" ? "raw" : "serve", upstreamClient: variant === "fetch" ? "fetch" : "raw" });
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
