// The raw `web` listener's own JavaScript per request, without sockets: ClientConnection + Exchange
// (plugins/traefik/http-listener.ts, http-exchange.ts) against fake sockets that take every byte, one
// keep-alive GET and its 23-byte response per iteration, as in the benchmark.
//   bun bench/ingress/js-path.ts [iterations=500000]
// Prints the time per request: the share of the proxy's CPU that is its own code (parse the request
// head, route, splice the forwarded headers, frame the response, metrics), not the runtime's socket
// work or the kernel's.
import { ClientConnection } from "../../plugins/traefik/http-listener.ts";
import { buildRoutingTable, matchRoute } from "../../plugins/traefik/routing.ts";
import { RouteMetrics } from "../../plugins/traefik/route-metrics.ts";
const routers = buildRoutingTable({
  ingressClasses: [],
  ingresses: [{ metadata: { name: "bench", namespace: "default" }, spec: { rules: [{ host: "bench.test", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "be", port: { number: 80 } } } }] } }] } }],
  services: [{ metadata: { name: "be", namespace: "default" }, spec: { ports: [{ port: 80 }] } }],
  endpointSlices: [{ metadata: { namespace: "default", labels: { "kubernetes.io/service-name": "be" } }, addressType: "IPv4", ports: [{ port: 9 }], endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }] }],
  secrets: [],
}).routers;
let upBytes = 0, clientBytes = 0;
const fakeSock = (count: (n: number) => void) => ({ write(b: Uint8Array) { count(b.byteLength); return b.byteLength; }, pause() {}, resume() {}, end() {}, timeout() {}, setNoDelay() {}, remoteAddress: "127.0.0.1" });
const upSock = fakeSock((n) => { upBytes += n; });
const conn: any = { target: "127.0.0.1:9", tls: false, socket: upSock, closed: false, reused: true, paused: false, idleSince: 0, user: null };
const idle: any[] = [conn];
const pool: any = { takeIdle() { const c = idle.pop(); if (c) c.reused = true; return c; }, release(c: any) { c.user = null; c.idleSince = performance.now(); idle.push(c); }, destroy() { throw new Error("destroy"); }, connect() { throw new Error("connect"); } };
const metrics = new RouteMetrics();
const rr = new Map<string, number>();
const ctx: any = {
  route: (host: string, path: string) => matchRoute(routers, "web", host, path),
  next: (r: any) => { const n = rr.get(r.backend.name) ?? 0; rr.set(r.backend.name, n + 1); return n; },
  attempts: 3, pool, serverName: "bench", httpsPort: () => 443, log: console,
  record: (r: any) => metrics.observe(r.router?.name ?? "", r.router?.backend.name ?? "", r.method, r.status, (performance.now() - r.started) / 1000),
};
const c = new ClientConnection(fakeSock((n) => { clientBytes += n; }) as any, ctx, 8080);
const REQ = "GET /hello HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: lite-bench\r\n\r\n";
const RES = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Sat, 28 Nov 2026 06:48:10 GMT\r\nContent-Length: 23\r\n\r\nhello from the backend\n";
function once() {
  c.received(Buffer.from(REQ));          // fresh buffers, as Bun hands them over
  conn.user.data(conn, Buffer.from(RES));
}
for (let i = 0; i < 50000; i++) once();
const N = Number(process.argv[2] ?? 500000);
const t = performance.now();
for (let i = 0; i < N; i++) once();
const us = (performance.now() - t) * 1000 / N;
let base = performance.now();
for (let i = 0; i < N; i++) { Buffer.from(REQ); Buffer.from(RES); }
const bufUs = (performance.now() - base) * 1000 / N;
console.log(`per request ${us.toFixed(2)} us (of which ~${bufUs.toFixed(2)} us making the two input buffers); up ${upBytes / (N + 50000) | 0} B, client ${clientBytes / (N + 50000) | 0} B`);
