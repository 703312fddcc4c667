/**
 * Test fixtures for the kubelet server and the API server's node proxy: certificates made with the
 * cluster PKI helpers, a pod view the tests change at will, a CRI client answering the streaming
 * calls with recognizable URLs, and streaming bridges that record what they were started with.
 * Not used by production code.
 */
import type { KubeObject } from "@lite/sdk";
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate } from "../../pki/index.ts";
import type { Container, ContainerStats, CriClient, PodSandbox } from "../cri/types.ts";
import type { BridgeSession, WsPeer } from "../streaming/index.ts";
import type { PodRuntimeView, RuntimePod } from "./pod-runtime-view.ts";
import type { StreamingBridges } from "./streaming-routes.ts";

export interface Creds { cert: string; key: string }

export interface KubeletTestPki {
  /** Signs kubelet serving certificates (the cluster server CA). */
  serverCA: string;
  /** Client certificates must chain to it. */
  clientCA: string;
  serving: Creds;
  /** system:apiserver in system:masters (the API server's kubelet-client certificate). */
  apiserver: Creds;
  /** A user the tests' authorizer refuses. */
  eve: Creds;
  /** A certificate from a CA the kubelet does not trust. */
  foreign: Creds;
}

export async function makeKubeletPki(): Promise<KubeletTestPki> {
  const serverCA = await createCertificateAuthority({ commonName: "test-server-ca", days: 2 });
  const clientCA = await createCertificateAuthority({ commonName: "test-client-ca", days: 2 });
  const otherCA = await createCertificateAuthority({ commonName: "other-ca", days: 2 });
  const pair = (c: { certPem: string; keyPem: string }): Creds => ({ cert: c.certPem, key: c.keyPem });
  return {
    serverCA: serverCA.certPem,
    clientCA: clientCA.certPem,
    serving: pair(await issueServingCertificate(serverCA, { dns: ["localhost"], ips: ["127.0.0.1"], days: 2 })),
    apiserver: pair(await issueClientCertificate(clientCA, { commonName: "system:apiserver", organizations: ["system:masters"], days: 2 })),
    eve: pair(await issueClientCertificate(clientCA, { commonName: "eve", days: 2 })),
    foreign: pair(await issueClientCertificate(otherCA, { commonName: "system:apiserver", organizations: ["system:masters"], days: 2 })),
  };
}

/** A pod view backed by a map the test edits; counts lookups (a following log reader polls). */
export class FakePodView implements PodRuntimeView {
  readonly pods = new Map<string, RuntimePod>();
  lookups = 0;
  set(rp: RuntimePod): void {
    this.pods.set(`${rp.pod.metadata.namespace}/${rp.pod.metadata.name}`, rp);
  }
  get(namespace: string, name: string): RuntimePod | undefined {
    this.lookups++;
    return this.pods.get(`${namespace}/${name}`);
  }
  list(): RuntimePod[] {
    return [...this.pods.values()];
  }
}

export function podObject(namespace: string, name: string, containers: string[], extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace, name, uid: `uid-${name}` },
    spec: { nodeName: "node-1", containers: containers.map((c) => ({ name: c, image: "busybox" })), ...extra },
    status: { phase: "Running", startTime: "2024-05-01T10:00:00Z" },
  };
}

export interface CriCalls { exec: unknown[]; attach: unknown[]; portForward: unknown[] }

/**
 * The CRI calls the kubelet server makes; the streaming ones return `fake://<call>/<n>` URLs. The
 * runtime lists (`/metrics`) answer `runtime`.
 */
export function fakeCri(stats: ContainerStats[] = [], runtime: { sandboxes?: PodSandbox[]; containers?: Container[] } = {}): { cri: CriClient; calls: CriCalls } {
  const calls: CriCalls = { exec: [], attach: [], portForward: [] };
  const impl: Partial<CriClient> = {
    endpoint: "fake",
    exec: async (req) => (calls.exec.push(req), `fake://exec/${calls.exec.length}`),
    attach: async (req) => (calls.attach.push(req), `fake://attach/${calls.attach.length}`),
    portForward: async (req) => (calls.portForward.push(req), `fake://portforward/${calls.portForward.length}`),
    listContainerStats: async () => stats,
    imageFsInfo: async () => [],
    listPodSandbox: async () => runtime.sandboxes ?? [],
    listContainers: async () => runtime.containers ?? [],
  };
  const cri = new Proxy(impl, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof CriClient];
      return () => Promise.reject(new Error(`fake CRI: ${String(prop)} not expected`));
    },
  }) as CriClient;
  return { cri, calls };
}

export interface BridgeStart { kind: "exec" | "spdy-portforward" | "ws-portforward" | "spdy-tunnel"; protocol: string; url?: string; opts?: unknown; ports?: number[]; opened?: string; streamProtocol?: string }

/**
 * Bridges that say hello (`[1, ...JSON of how they were started]`), echo every client message back
 * on channel 1, and close normally on the v5 close signal `[255, 0]`.
 */
export function fakeBridges(): { bridges: StreamingBridges; starts: BridgeStart[]; closed: number } {
  const record = { starts: [] as BridgeStart[], closed: 0 };
  const session = (peer: WsPeer, start: BridgeStart): BridgeSession => {
    record.starts.push(start);
    peer.send(Uint8Array.from([1, ...new TextEncoder().encode(JSON.stringify(start))]));
    return {
      message(data) {
        if (data[0] === 255) peer.close(1000, "done");
        else peer.send(Uint8Array.from([1, ...data.subarray(1)]));
      },
      closed() {
        record.closed++;
      },
    };
  };
  const bridges: StreamingBridges = {
    startExecBridge: (peer, url, opts) => session(peer, { kind: "exec", protocol: peer.protocol, url, opts }),
    startPortForwardBridge: (peer, open) => {
      const start: BridgeStart = { kind: "spdy-portforward", protocol: peer.protocol };
      void open(8080).then((u) => (start.opened = u));
      return session(peer, start);
    },
    startWebSocketPortForward: (peer, ports, open) => {
      const start: BridgeStart = { kind: "ws-portforward", protocol: peer.protocol, ports };
      void open(ports[0]!).then((u) => (start.opened = u));
      return session(peer, start);
    },
    startSpdyTunnel: (peer, url, streamProtocol) => session(peer, { kind: "spdy-tunnel", protocol: peer.protocol, url, streamProtocol }),
  };
  return {
    bridges,
    get starts() { return record.starts; },
    get closed() { return record.closed; },
  };
}

/** A CRI log record at `ms` since the epoch. */
export function criRecord(ms: number, content: string, stream: "stdout" | "stderr" = "stdout", tag: "F" | "P" = "F"): string {
  return `${new Date(ms).toISOString()} ${stream} ${tag} ${content}\n`;
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting for a condition");
    await Bun.sleep(10);
  }
}
