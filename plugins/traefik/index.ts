import { builtinResources, coreServices, definePlugin, v, type KubeObject } from "@lite/sdk";
import { createDefaultCertificate } from "./default-certificate.ts";
import { startIngressProxy } from "./ingress-proxy.ts";
import { ensureCrds } from "./crds.ts";
import { CRD_TARGETS, ensureIngressClass, ingressStatusController, INGRESS_CLASSES, INGRESSES } from "./ingress-status.ts";
import type { IngressRoute, MiddlewareObject } from "./ingressroute.ts";
import { buildRoutingTable, type EndpointSlice, type Ingress, type IngressClass, type Secret, type Service } from "./routing.ts";

const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));

/**
 * traefik: the Ingress controller for IngressClass `traefik` (created as the default class) and for
 * Ingresses without a class, as K3s' packaged Traefik serves them. Server half: the IngressClass,
 * Ingress status (the nodes' addresses) and Events for bad Ingresses. Node half: HTTP on `httpPort`
 * and HTTPS on `httpsPort` of every node, routing to the Services' ready endpoints. See README.md.
 */
export default definePlugin({
  id: "traefik",
  version: "0.2.0",
  sdk: "^1",
  description: "Ingress controller (IngressClass traefik) on ports 80 and 443 of every node",
  config: v.object({
    /** HTTP entry point ("web"); 0 picks a free port (tests). */
    httpPort: v.optional(port, 80),
    /** HTTPS entry point ("websecure"); 0 picks a free port (tests). */
    httpsPort: v.optional(port, 443),
    /** Address the entry points listen on. */
    address: v.optional(v.string(), "0.0.0.0"),
    /** One log record per request in Traefik's common log format (off by default, as in K3s). */
    accessLog: v.optional(v.boolean(), false),
  }),
  server: async (ctx) => {
    const client = ctx.use(coreServices.apiClient);
    await ensureIngressClass(client, ctx.signal);
    // Traefik's CRDs (IngressRoute, Middleware); Ingresses are served without them if this fails.
    let crds = true;
    try {
      const created = await ensureCrds(client, ctx.signal);
      if (created.length) ctx.log.info("installed the Traefik CRDs", { crds: created.join(",") });
    } catch (err) {
      crds = false;
      ctx.log.warn("could not install the Traefik CRDs; IngressRoutes and Middlewares are not served", { error: (err as Error).message });
    }
    ctx.status.report({ state: "Running", message: `IngressClass traefik (default)${crds ? ", CRDs IngressRoute and Middleware" : ""}; publishing Ingress status` });
    ctx.run("ingress-status", (signal) => ctx.use(coreServices.controllers).run(ingressStatusController(crds), signal));
  },
  node: async (ctx) => {
    const informers = ctx.use(coreServices.informers);
    const sources = {
      ingresses: informers.informerFor<Ingress & KubeObject>(INGRESSES),
      ingressClasses: informers.informerFor<IngressClass & KubeObject>(INGRESS_CLASSES),
      services: informers.informerFor<Service & KubeObject>(builtinResources.services),
      endpointSlices: informers.informerFor<EndpointSlice & KubeObject>(builtinResources.endpointSlices),
      secrets: informers.informerFor<Secret & KubeObject>(builtinResources.secrets),
    };
    // The CRDs' collections (listed again with back-off until the server half has installed them).
    const routeSources = CRD_TARGETS.filter((t) => t.resource === "ingressroutes").map((t) => informers.informerFor<IngressRoute & KubeObject>(t));
    const middlewareSources = CRD_TARGETS.filter((t) => t.resource === "middlewares").map((t) => informers.informerFor<MiddlewareObject & KubeObject>(t));
    const proxy = await startIngressProxy({
      hostname: ctx.config.address, httpPort: ctx.config.httpPort, httpsPort: ctx.config.httpsPort,
      defaultCertificate: await createDefaultCertificate(), log: ctx.log, accessLog: ctx.config.accessLog,
      serverName: ctx.node.nodeName,
    });
    let table = buildRoutingTable({ ingresses: [], ingressClasses: [], services: [], endpointSlices: [], secrets: [] });
    const rebuild = () => {
      table = buildRoutingTable({
        ingresses: sources.ingresses.list(), ingressClasses: sources.ingressClasses.list(), services: sources.services.list(),
        endpointSlices: sources.endpointSlices.list(), secrets: sources.secrets.list(),
        ingressRoutes: routeSources.flatMap((s) => s.list()), middlewares: middlewareSources.flatMap((s) => s.list()),
      });
      proxy.update(table);
      ctx.status.report({
        state: "Running",
        message: `serving ${table.served.length} Ingress(es)${table.routeProblems.size ? ` and ${table.routeProblems.size} IngressRoute(s)` : ""} with ${table.routers.length} router(s) on :${proxy.httpPort} and :${proxy.httpsPort}`,
        details: { httpPort: proxy.httpPort, httpsPort: proxy.httpsPort, ingresses: table.served.length, routers: table.routers.length, certificates: table.certificates.length },
      });
    };
    // Changes arrive in bursts (a Deployment's endpoints, an apply of several objects): coalesce them.
    let timer: Timer | undefined;
    const schedule = () => { timer ??= setTimeout(() => { timer = undefined; if (!ctx.signal.aborted) rebuild(); }, 20); };
    const unsubscribe = [...Object.values(sources), ...routeSources, ...middlewareSources].map((inf) => (inf as { on(h: object): () => void }).on({ add: schedule, update: schedule, delete: schedule }));
    ctx.signal.addEventListener("abort", () => { clearTimeout(timer); for (const u of unsubscribe) u(); }, { once: true });
    rebuild();

    const admin = ctx.tryUse(coreServices.adminRoutes);
    admin?.get("metrics", () => new Response(proxy.metrics.text(), { headers: { "content-type": "text/plain; version=0.0.4" } }));
    admin?.get("routes", () => Response.json({
      routers: table.routers.map((r) => ({
        name: r.name, [r.source === "IngressRoute" ? "ingressRoute" : "ingress"]: r.ingress, rule: r.rule, priority: r.priority, entryPoints: [...r.entryPoints],
        sslRedirect: r.sslRedirect || undefined, middlewares: r.middlewares?.map((m) => m.name),
        service: r.backend.name, servers: r.backend.servers, weighted: r.weighted?.map((w) => ({ service: w.backend.name, weight: w.weight })),
      })),
      certificates: table.certificates.map((c) => c.id),
      requests: proxy.metrics.totals(),
    }));
    return { stop: () => proxy.stop() };
  },
});

export { buildRoutingTable, matchRoute } from "./routing.ts";
export { startIngressProxy } from "./ingress-proxy.ts";
