/**
 * The kubelet's HTTPS API (port 10250): `/healthz`, `/pods`, `/containerLogs`, `/exec`, `/attach`,
 * `/portforward`, `/stats/summary`, and the Prometheus endpoints `/metrics`, `/metrics/resource`,
 * `/metrics/cadvisor`, `/metrics/probes` (authorized as `nodes/metrics`). Served through the TLS front of core/apiserver/transport (x509
 * client identities, WebSocket upgrades). Every request is authenticated (client certificate or
 * bearer token; otherwise 401) and authorized as `nodes/<subresource>` (403 when refused), as
 * upstream's kubelet does with webhook authn/authz.
 */
import { closeWhenDrained } from "../../apiserver/proxy/close-when-drained.ts";
import type { Logger } from "@lite/sdk";
import type { Server, ServerWebSocket } from "bun";
import type { Attributes, UserInfo } from "../../apiserver/authz/types.ts";
import { startHttpsFront, type ClientCertificate } from "../../apiserver/transport/index.ts";
import type { CriClient } from "../cri/types.ts";
import * as streaming from "../streaming/index.ts";
import { serveContainerLogs } from "./logs/container-logs.ts";
import type { PodRuntimeView } from "./pod-runtime-view.ts";
import { authenticateKubeletRequest, forbiddenMessage, kubeletRequestAttributes, type TokenAuthenticator } from "./request-auth.ts";
import { createCadvisorCollector } from "./metrics/cadvisor-metrics.ts";
import { createCgroupLocator } from "./metrics/cgroup-paths.ts";
import { metricsResponse } from "./metrics/exposition.ts";
import { createKubeletCollector } from "./metrics/kubelet-metrics.ts";
import type { ProbeMetrics } from "./metrics/probe-metrics.ts";
import { resourceFamilies } from "./metrics/resource-metrics.ts";
import { textError } from "./responses.ts";
import { createPodNetworkReader } from "./stats/pod-network.ts";
import { createSummaryProvider } from "./stats/summary.ts";
import { serveExecOrAttach, servePortForward, type KubeletSocketData, type StreamingBridges } from "./streaming-routes.ts";

export interface KubeletServerOptions {
  /** 10250 in production; 0 = OS-assigned. */
  readonly port: number;
  readonly bindAddress: string;
  /** Serving certificate and key (PEM), and the CA that client certificates must chain to. */
  readonly tls: { readonly cert: string; readonly key: string; readonly clientCA: string };
  /** The node's name: the `nodes` object requests are authorized against. */
  readonly nodeName: string;
  readonly cri: CriClient;
  readonly pods: PodRuntimeView;
  /** Whether `user` may do `attrs` (the lead wires a SubjectAccessReview). */
  readonly authorize: (user: UserInfo, attrs: Attributes) => Promise<boolean>;
  /** Bearer tokens (TokenReview); without it only client certificates authenticate. */
  readonly authenticateToken?: TokenAuthenticator;
  /** Filesystem reported as the node's `fs` in /stats/summary (the agent's data directory). */
  readonly fsPath: string;
  readonly log: Logger;
  /** Defaults to core/agent/streaming (tests inject fakes). */
  readonly bridges?: StreamingBridges;
  /** Probe counts the prober records, served at `/metrics/probes` (empty without). */
  readonly probeMetrics?: ProbeMetrics;
}

export interface KubeletServer {
  readonly port: number;
  /** Closes the listener and every open connection (streams end). Idempotent. */
  stop(): Promise<void>;
}

export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const deps = { cri: opts.cri, pods: opts.pods, bridges: opts.bridges ?? streaming };
  // One reader of the pods' network counters: a scrape of both endpoints reads each pod once.
  // It finds sandboxes with the /proc scan that finds the containers' cgroups for cAdvisor.
  const cgroups = createCgroupLocator();
  const network = createPodNetworkReader({ locator: cgroups });
  const summary = createSummaryProvider({ nodeName: opts.nodeName, cri: opts.cri, pods: opts.pods, fsPath: opts.fsPath, network });
  const log = opts.log;
  const cadvisor = createCadvisorCollector({ cri: opts.cri, pods: opts.pods, network, cgroups });
  const kubeletMetrics = createKubeletCollector({ nodeName: opts.nodeName, cri: opts.cri });

  async function route(req: Request, url: URL, server: Server<KubeletSocketData>): Promise<Response | undefined> {
    const seg = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [root = "", ns = "", pod = "", container = ""] = seg;
    switch (root) {
      case "healthz":
        return new Response("ok", { headers: { "Content-Type": "text/plain; charset=utf-8" } });
      case "pods":
        if (seg.length === 1) return Response.json({ kind: "PodList", apiVersion: "v1", metadata: {}, items: opts.pods.list().map((p) => p.pod) });
        break;
      case "containerLogs":
        if (seg.length === 4) return serveContainerLogs(url, { namespace: ns, pod, container }, opts.pods);
        break;
      case "exec":
      case "attach":
        // Upstream also accepts /{ns}/{pod}/{uid}/{container}; the uid must then match.
        if (seg.length === 4) return serveExecOrAttach(root, req, url, { namespace: ns, pod, container }, server, deps);
        if (seg.length === 5) {
          if (opts.pods.get(ns, pod)?.pod.metadata.uid !== seg[3]) return textError(404, "pod does not exist");
          return serveExecOrAttach(root, req, url, { namespace: ns, pod, container: seg[4]! }, server, deps);
        }
        break;
      case "portforward":
        if (seg.length === 3) return servePortForward(req, url, { namespace: ns, pod }, server, deps);
        if (seg.length === 4) {
          if (opts.pods.get(ns, pod)?.pod.metadata.uid !== seg[3]) return textError(404, "pod does not exist");
          return servePortForward(req, url, { namespace: ns, pod }, server, deps);
        }
        break;
      case "stats":
        if (seg.length === 2 && seg[1] === "summary") {
          const only = url.searchParams.get("only_cpu_and_memory") === "true";
          return Response.json(await summary(only));
        }
        break;
      case "metrics":
        if (seg.length === 1) return metricsResponse(await kubeletMetrics());
        if (seg.length !== 2) break;
        if (seg[1] === "resource") {
          const s = await summary(true).catch((err) => void log.warn("kubelet: resource metrics: summary failed", { error: String(err) }));
          return metricsResponse(resourceFamilies(s ?? undefined));
        }
        if (seg[1] === "cadvisor") return metricsResponse(await cadvisor());
        if (seg[1] === "probes") return metricsResponse(opts.probeMetrics?.families(new Set(opts.pods.list().map((p) => p.pod.metadata.uid ?? ""))) ?? []);
        break;
    }
    return textError(404, "404 page not found");
  }

  async function handle(req: Request, client: ClientCertificate, server: Server<KubeletSocketData>): Promise<Response | undefined> {
    const url = new URL(req.url);
    const authn = await authenticateKubeletRequest(req, client, opts.authenticateToken);
    if (!authn.ok) {
      log.debug("kubelet: request not authenticated", { path: url.pathname, reason: authn.reason });
      return textError(401, "Unauthorized");
    }
    const attrs = kubeletRequestAttributes(authn.user, req.method, url.pathname, opts.nodeName);
    let allowed = false;
    try {
      allowed = await opts.authorize(authn.user, attrs);
    } catch (err) {
      log.warn("kubelet: authorization failed", { path: url.pathname, user: authn.user.username, error: String(err) });
      return textError(500, `Authorization error (user=${authn.user.username}, verb=${attrs.verb}, resource=${attrs.resource}, subresource=${attrs.subresource})`);
    }
    if (!allowed) return textError(403, forbiddenMessage(attrs));
    try {
      return await route(req, url, server);
    } catch (err) {
      log.warn("kubelet: request failed", { path: url.pathname, error: String(err) });
      return textError(500, err instanceof Error ? err.message : String(err));
    }
  }

  const peerOf = (ws: ServerWebSocket<KubeletSocketData>) => ({
    protocol: ws.data.protocol,
    send: (data: Uint8Array) => void ws.sendBinary(data),
    close: (code?: number, reason?: string) => closeWhenDrained(ws, code, reason),
  });

  const front = await startHttpsFront<KubeletSocketData>({
    host: opts.bindAddress,
    port: opts.port,
    cert: opts.tls.cert,
    key: opts.tls.key,
    clientCA: opts.tls.clientCA,
    idleTimeout: 0, // streams (logs -f, exec, port-forward) stay open as long as they are used
    handler: (req, client, server) => handle(req, client, server),
    websocket: {
      // Bun drops messages once 16 MiB wait for a slow client; a bridge cannot be told to wait
      // (WsPeer has no backpressure signal), so close the stream rather than corrupt it.
      closeOnBackpressureLimit: true,
      open(ws) {
        try {
          ws.data.session = ws.data.start(peerOf(ws));
        } catch (err) {
          log.warn("kubelet: stream bridge failed to start", { error: String(err) });
          ws.close(1011, "stream bridge failed to start");
        }
      },
      message(ws, message) {
        ws.data.session?.message(typeof message === "string" ? new TextEncoder().encode(message) : message);
      },
      close(ws) {
        ws.data.session?.closed();
      },
    },
  });
  log.info("kubelet API listening", { address: opts.bindAddress, port: front.port });
  return { port: front.port, stop: () => front.stop() };
}
