import type { Logger } from "@lite/sdk";
import { createApiServer, type ApiServer } from "../apiserver/index.ts";
import { startHttpsFront, type HttpsFront } from "../apiserver/transport/index.ts";
import { ipv4InCIDR, isIP } from "../config/net.ts";
import type { ServerSettings } from "../config/settings.ts";
import { ensureServerPKI, renderKubeconfig, writeKubeconfig, type ServerPKI } from "../pki/index.ts";
import { openStore } from "../store/open.ts";
import type { Store } from "../store/types.ts";

/** The running datastore, API server and its HTTPS listener. */
export interface ControlPlane {
  readonly store: Store;
  readonly api: ApiServer;
  readonly pki: ServerPKI;
  /** The port the API server listens on (the OS-assigned one when --https-listen-port 0). */
  readonly port: number;
  /** Stops the listener, then the API server, then closes the store. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the control plane in its phases: datastore, PKI (generated on first start under
 * `<data-dir>/server/tls`), API server, HTTPS listener with x509 client-certificate identity, and
 * writes the admin kubeconfig. A failure in any phase stops the ones already started.
 */
export async function startControlPlane(settings: ServerSettings, log: Logger): Promise<ControlPlane> {
  const serviceCIDR = settings.cluster.serviceCIDR.split(",")[0]!;
  const serviceIP = ipv4InCIDR(serviceCIDR, 1);
  const undo: (() => Promise<void>)[] = [];
  try {
    const store = await openStore(settings.datastoreEndpoint, settings.dataDir);
    undo.push(() => store.close());
    log.info("datastore open", { endpoint: settings.datastoreEndpoint, revision: store.currentRevision() });

    const nodeIPs = settings.nodeIP ? [settings.nodeIP] : [];
    const pki = await ensureServerPKI(`${settings.dataDir}/server/tls`, {
      nodeName: settings.nodeName,
      sans: { dns: settings.tlsSans.filter((s) => !isIP(s)), ips: settings.tlsSans.filter(isIP) },
      serviceIP,
      nodeIPs,
    });
    if (pki.issued.length) log.info("certificates issued", { files: pki.issued.join(",") });

    const api = await createApiServer({
      store,
      serviceCIDR,
      nodePortRange: settings.cluster.serviceNodePortRange,
      clusterDomain: settings.cluster.clusterDomain,
    });
    undo.push(() => api.close());

    const front: HttpsFront = await startHttpsFront({
      host: settings.bindAddress,
      port: settings.httpsListenPort,
      cert: pki.serving.certPem,
      key: pki.serving.keyPem,
      clientCA: pki.clientCA.authority.certPem,
      idleTimeout: 0, // watches stay open for minutes; the API server sends bookmarks
      maxRequestBodySize: 3 * 1024 * 1024 + 1024, // the API server answers 413 past 3 MiB itself
      handler: (req, client) => {
        if (client.kind === "rejected") {
          log.debug("client certificate rejected", { reason: client.reason });
          return unauthorized();
        }
        const user = client.kind === "verified" ? { username: client.identity.user, groups: [...client.identity.groups, "system:authenticated"] } : undefined;
        return api.handle(req, user);
      },
    });
    undo.push(() => front.stop());

    const host = settings.bindAddress === "0.0.0.0" || settings.bindAddress === "::" ? "127.0.0.1" : settings.bindAddress;
    const server = `https://${host.includes(":") ? `[${host}]` : host}:${front.port}`;
    writeKubeconfig(settings.writeKubeconfig, renderKubeconfig({
      server,
      caPem: pki.serverCA.authority.certPem,
      certPem: pki.clients.admin.certPem,
      keyPem: pki.clients.admin.keyPem,
    }), settings.writeKubeconfigMode);
    log.info("API server listening", { url: `https://${settings.bindAddress}:${front.port}`, kubeconfig: settings.writeKubeconfig });

    let stopping: Promise<void> | undefined;
    return {
      store, api, pki, port: front.port,
      stop: () => (stopping ??= runAll([...undo].reverse())),
    };
  } catch (err) {
    await runAll([...undo].reverse());
    throw err;
  }
}

async function runAll(steps: (() => Promise<void>)[]): Promise<void> {
  for (const step of steps) {
    try {
      await step();
    } catch {
      // keep stopping the rest
    }
  }
}

/** Upstream answers any failed authentication with this exact Status. */
function unauthorized(): Response {
  return Response.json(
    { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 },
    { status: 401 },
  );
}
