/**
 * The server's embedded agent: the node agent in the server's process, talking to the API server
 * in-process as `system:node:<name>` (the node authorizer's identity), with a kubelet serving
 * certificate issued by the server CA for the node's name and addresses.
 */
import type { Logger } from "@lite/sdk";
import { startNodeAgent, type NodeAgent } from "../agent/node-agent.ts";
import { subjectAccessReviewAuthorizer } from "../agent/sar-authorizer.ts";
import type { ApiServer } from "../apiserver/index.ts";
import { createApiClient, inProcessTransport } from "../client/index.ts";
import type { ServerSettings } from "../config/settings.ts";
import { issueServingCertificate, type ServerPKI } from "../pki/index.ts";

export async function startEmbeddedAgent(settings: ServerSettings, api: ApiServer, pki: ServerPKI, log: Logger, signal: AbortSignal): Promise<NodeAgent> {
  const nodeIP = settings.nodeIP ?? "127.0.0.1";
  const client = createApiClient({
    transport: inProcessTransport(api, { username: `system:node:${settings.nodeName}`, groups: ["system:nodes", "system:authenticated"] }),
    fieldManager: "kubelet",
  });
  const serving = await issueServingCertificate(pki.serverCA.authority, {
    commonName: settings.nodeName,
    dns: [...new Set([settings.nodeName, "localhost"])],
    ips: [...new Set([nodeIP, "127.0.0.1"])],
    days: 365,
  });
  return startNodeAgent({
    dataDir: settings.dataDir, nodeName: settings.nodeName, nodeIP, role: "server", client, cluster: settings.cluster, log,
    labels: { ...settings.nodeLabels }, taints: [...settings.nodeTaints],
    ...(settings.containerRuntimeEndpoint ? { containerRuntimeEndpoint: settings.containerRuntimeEndpoint } : {}),
    registriesFile: settings.privateRegistry,
    kubeletPort: settings.kubeletPort, maxPods: settings.maxPods,
    containerLogMaxSize: settings.containerLogMaxSize, containerLogMaxFiles: settings.containerLogMaxFiles,
      eviction: settings.eviction, imageGc: settings.imageGc, kubeletConfigIgnored: settings.kubeletConfigIgnored, bindAddress: settings.bindAddress,
    kubeletTls: { cert: serving.certPem, key: serving.keyPem, clientCA: pki.clientCA.authority.certPem },
    signal,
    authorize: subjectAccessReviewAuthorizer(client),
  });
}
