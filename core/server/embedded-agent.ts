/**
 * The server's embedded agent: the node agent in the server's process, talking to the API server
 * in-process as `system:node:<name>` (the node authorizer's identity), with a kubelet serving
 * certificate issued by the server CA for the node's name and addresses.
 */
import type { Logger } from "@lite/sdk";
import { startNodeAgent, type NodeAgent } from "../agent/node-agent.ts";
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
    containerLogMaxSize: settings.containerLogMaxSize, containerLogMaxFiles: settings.containerLogMaxFiles, bindAddress: settings.bindAddress,
    kubeletTls: { cert: serving.certPem, key: serving.keyPem, clientCA: pki.clientCA.authority.certPem },
    signal,
    async authorize(user, attrs) {
      // The kubelet's webhook authorizer: a SubjectAccessReview as the node (system:node may create them).
      const review = await client.create<{ apiVersion: string; kind: string; metadata: Record<string, never>; status?: { allowed?: boolean } }>(
        { group: "authorization.k8s.io", version: "v1", resource: "subjectaccessreviews" },
        {
          apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview", metadata: {},
          spec: {
            user: user.username, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}), ...(user.extra ? { extra: user.extra } : {}),
            ...(attrs.isResourceRequest
              ? { resourceAttributes: { verb: attrs.verb, group: attrs.apiGroup, version: attrs.apiVersion, resource: attrs.resource, subresource: attrs.subresource, name: attrs.name } }
              : { nonResourceAttributes: { path: attrs.path, verb: attrs.verb } }),
          },
        } as never,
      );
      return review.status?.allowed === true;
    },
  });
}
