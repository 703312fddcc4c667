/**
 * The node half: a DNS server on the node IP (UDP and TCP) answering from informers (Services,
 * EndpointSlices, Nodes, the coredns-custom ConfigMap), forwarding other names upstream through a
 * cache, and this node's kube-dns EndpointSlice. Cluster names get SERVFAIL until the informers
 * have synced (clients retry instead of caching a false NXDOMAIN). A taken port makes the plugin
 * Degraded with the address and the config key that changes it. Stop closes the sockets and
 * deletes the slice.
 */
import { readFileSync } from "node:fs";
import { builtinResources, coreServices, type Informer, type KubeObject, type NodeContext, type PluginHandle } from "@lite/sdk";
import type { CorednsConfig } from "./config.ts";
import { parseCustomConfig, type CustomConfig } from "./custom/custom-config.ts";
import { Rcode } from "./dns/constants.ts";
import { canonicalIP, parseCidr, type Cidr } from "./dns/ip.ts";
import { canonicalName } from "./dns/message.ts";
import { ResponseCache } from "./forward/cache.ts";
import { createForwarder } from "./forward/forwarder.ts";
import { nameserversOf, parseUpstream, type Upstream } from "./forward/upstream.ts";
import { deleteNodeSlice, nodeSliceController, nodeSliceName, type SlicePublication } from "./kube/node-slice.ts";
import { KUBE_DNS_NAMESPACE } from "./kube/kube-dns-service.ts";
import { DnsMetrics } from "./metrics.ts";
import { createQueryHandler, type ForwardZone } from "./server/handler.ts";
import { AddressInUseError, startDnsListeners, type DnsListeners } from "./server/listeners.ts";
import { answerOf } from "./zone/answer.ts";
import { ClusterData } from "./zone/cluster-data.ts";
import { createClusterZone, type ClusterZone } from "./zone/cluster-zone.ts";
import { HostsTable, NODE_HOSTS_TTL } from "./zone/hosts.ts";
import type { ConfigMap, EndpointSlice, Node, Service } from "./zone/kube-types.ts";

export const CUSTOM_CONFIGMAP = "coredns-custom";
/** CoreDNS kubernetes plugin's default TTL. */
const CLUSTER_TTL = 5;

export async function startNodeDns(ctx: NodeContext<CorednsConfig>): Promise<PluginHandle> {
  const { config, log, cluster } = ctx;
  const nodeName = ctx.node.nodeName;
  const nodeIP = ctx.node.nodeIP ? canonicalIP(ctx.node.nodeIP) : undefined;
  const bindAddress = canonicalIP(config.bindAddress ?? nodeIP ?? "127.0.0.1")!;
  const informers = ctx.use(coreServices.informers);
  const notes: string[] = [];

  // Upstreams: configured, or the host's resolv.conf.
  const upstreams = defaultUpstreams(config, notes);
  const metrics = new DnsMetrics(() => cache.size);
  const cache = new ResponseCache({ maxSeconds: config.cacheSeconds });
  const forwarder = createForwarder({ onAttempt: (u, outcome, ms) => metrics.forwardAttempt(u.label, outcome, ms) });

  // Cluster data from informers.
  const data = new ClusterData();
  const hosts = new HostsTable();
  let synced = false;
  let custom: CustomConfig = parseCustomConfig(undefined);
  let forwardZones: ForwardZone[] = [];
  const reverseCidrs = [...cluster.serviceCIDR.split(","), ...cluster.clusterCIDR.split(",")]
    .map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
  const zone = createClusterZone(data, { zone: canonicalName(cluster.clusterDomain), dnsIP: cluster.clusterDNS, reverseCidrs, ttl: CLUSTER_TTL });
  const guardedZone: ClusterZone = {
    owns: (q) => zone.owns(q),
    answer: (q, t) => (synced ? zone.answer(q, t) : answerOf(Rcode.SERVFAIL, [], [], [], false)),
  };

  const services = informers.informerFor<Service>(builtinResources.services);
  const slices = informers.informerFor<EndpointSlice>(builtinResources.endpointSlices);
  const nodes = informers.informerFor<Node>(builtinResources.nodes);
  const configMaps = informers.informerFor<ConfigMap>({ ...builtinResources.configMaps, namespace: KUBE_DNS_NAMESPACE }, { fieldSelector: `metadata.name=${CUSTOM_CONFIGMAP}` });

  const handler = createQueryHandler({
    cluster: guardedZone, hosts, cache, forwarder, metrics,
    generation: () => data.generation + hosts.generation + (synced ? 1e12 : 0),
    forwardZones: () => forwardZones,
    upstreams: () => upstreams.list,
    onError: (err) => log.warn("DNS query failed", { error: err.message }),
  });

  const refreshNodes = () => hosts.setSource("nodes", nodes.list().flatMap((n) => (n.status?.addresses ?? [])
    .filter((a) => a.type === "InternalIP").map((a) => ({ name: n.metadata.name ?? "", ip: a.address, ttl: NODE_HOSTS_TTL }))));
  const applyCustom = () => {
    const cm = configMaps.get(KUBE_DNS_NAMESPACE, CUSTOM_CONFIGMAP);
    const next = parseCustomConfig(cm?.data);
    const before = new Set(custom.unsupported);
    for (const u of next.unsupported) if (!before.has(u)) log.warn("coredns-custom: ignored", { detail: u });
    custom = next;
    hosts.setSource("custom", custom.hosts);
    forwardZones = custom.forwardZones;
    cache.clear();
    handler.reset();
    if (synced) refreshStatus();
  };
  const unsubscribe = [
    subscribe(services, (s) => data.upsertService(s), (s) => data.deleteService(s)),
    subscribe(slices, (s) => data.upsertSlice(s), (s) => data.deleteSlice(s)),
    subscribe(nodes, refreshNodes, refreshNodes),
    subscribe(configMaps, applyCustom, applyCustom),
  ];
  void informers.waitForSync(ctx.signal).then((ok) => {
    if (!ok) return;
    synced = true;
    refreshNodes();
    applyCustom();
    refreshStatus();
  });

  // Listeners.
  let listeners: DnsListeners | undefined;
  let listenError: string | undefined;
  try {
    listeners = await startDnsListeners({
      hostname: bindAddress, port: config.port, handle: (q, proto) => handler.handle(q, proto),
      onError: (err) => log.debug("DNS socket error", { error: err.message }),
    });
    upstreams.dropSelf(bindAddress, listeners.port, notes);
  } catch (err) {
    listenError = err instanceof AddressInUseError
      ? `cannot serve DNS: ${err.message}; set plugin-config.coredns.port (or bindAddress) to use another`
      : (err as Error).message;
  }

  // This node's EndpointSlice: the address pods reach the server at (the node IP when bound to it or
  // to every address), never a loopback address.
  const wildcard = bindAddress === "0.0.0.0" || bindAddress === "::";
  const published = wildcard ? nodeIP : bindAddress;
  const loopback = published === undefined || /^127\.|^::1$/.test(published);
  const publish: SlicePublication | undefined = listeners && !loopback ? { nodeName, nodeIP: published!, port: listeners.port } : undefined;
  if (loopback) notes.push(`the DNS server's address ${published ?? "(no node IP)"} is loopback: pods cannot reach it, so no kube-dns EndpointSlice is published`);
  let sliceTask: Promise<void> | undefined;
  let sliceError: string | undefined;
  let lastProblem: string | undefined;
  const sliceOutcome = (err?: Error) => {
    const next = err?.message;
    if (next === sliceError) return;
    sliceError = next;
    if (next) log.warn("cannot publish the node's kube-dns EndpointSlice; retrying", { error: next });
    refreshStatus();
  };
  ctx.run("kube-dns-node-slice", (signal) => (sliceTask = ctx.use(coreServices.controllers).run(nodeSliceController(nodeName, publish, sliceOutcome), signal)));

  ctx.tryUse(coreServices.adminRoutes)?.get("metrics", () => new Response(metrics.render(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }));

  function refreshStatus(): void {
    const details: Record<string, unknown> = {
      listen: listeners ? `${bindAddress.includes(":") ? `[${bindAddress}]` : bindAddress}:${listeners.port}` : undefined,
      clusterDomain: cluster.clusterDomain, clusterDNS: cluster.clusterDNS, synced,
      upstreams: upstreams.list.map((u) => u.label),
      endpointSlice: publish ? `${KUBE_DNS_NAMESPACE}/${nodeSliceName(nodeName)}` : null,
      customForwardZones: forwardZones.map((z) => `${z.zone} -> ${z.upstreams.map((u) => u.label).join(" ")}`),
      customHosts: custom.hosts.length,
      ...(custom.unsupported.length ? { customUnsupported: custom.unsupported } : {}),
      ...(notes.length ? { notes } : {}),
      metrics: metrics.summary(),
    };
    const problem = listenError ?? (sliceError ? `cannot publish EndpointSlice ${KUBE_DNS_NAMESPACE}/${nodeSliceName(nodeName)}: ${sliceError}` : undefined);
    if (problem) {
      // Degraded is reported on changes only: each report becomes a Warning Event.
      if (lastProblem !== problem) ctx.status.report({ state: "Degraded", message: problem, details });
      lastProblem = problem;
      return;
    }
    lastProblem = undefined;
    const up = upstreams.list.length ? `forwarding to ${upstreams.list.map((u) => u.label).join(", ")}` : "no upstream resolvers (other names get SERVFAIL)";
    ctx.status.report({
      state: "Running",
      message: `serving ${cluster.clusterDomain} on ${details.listen} (udp, tcp)${synced ? "" : ", waiting for the informers"}; ${up}${publish ? `; published as ${publish.nodeIP}:${publish.port}` : listeners ? "; not published (loopback address)" : ""}`,
      details,
    });
  }
  refreshStatus();
  if (listenError) log.warn(listenError);
  else log.info("DNS server listening", { address: bindAddress, port: listeners!.port, upstreams: upstreams.list.map((u) => u.label) });
  const ticker = setInterval(refreshStatus, 10_000);
  ticker.unref?.();

  return {
    async stop() {
      clearInterval(ticker);
      for (const u of unsubscribe) u();
      listeners?.close();
      forwarder.close();
      await sliceTask?.catch(() => {});
      if (publish) {
        try {
          await deleteNodeSlice(ctx.use(coreServices.apiClient), nodeName);
        } catch (err) {
          log.warn("could not delete the node's kube-dns EndpointSlice", { error: (err as Error).message });
        }
      }
    },
  };
}

function subscribe<T extends KubeObject>(inf: Informer<T>, upsert: (o: T) => void, remove: (o: T) => void): () => void {
  return inf.on({ add: upsert, update: (_old, o) => upsert(o), delete: remove });
}

interface UpstreamList {
  list: Upstream[];
  /** Removes upstreams that are this server itself (a forwarding loop). */
  dropSelf(address: string, port: number, notes: string[]): void;
}

function defaultUpstreams(config: CorednsConfig, notes: string[]): UpstreamList {
  let texts = config.upstreams;
  if (!texts) {
    try {
      texts = nameserversOf(readFileSync(config.resolvConf, "utf8"));
      if (texts.length === 0) notes.push(`${config.resolvConf} lists no nameserver`);
    } catch (err) {
      notes.push(`cannot read ${config.resolvConf}: ${(err as Error).message}`);
      texts = [];
    }
  }
  const list: Upstream[] = [];
  for (const t of texts) {
    const u = parseUpstream(t);
    if (typeof u === "string") notes.push(u);
    else list.push(u);
  }
  return {
    list,
    dropSelf(address, port, out) {
      const self = list.filter((u) => u.host === address && u.port === port);
      for (const u of self) {
        list.splice(list.indexOf(u), 1);
        out.push(`upstream ${u.label} is this DNS server itself; dropped (it would loop)`);
      }
    },
  };
}
