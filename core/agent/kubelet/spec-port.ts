/**
 * The kubelet's SpecPort over spec/: reads ConfigMaps, Secrets and Services for env as the node,
 * knows the node's IP, allocatable and memory capacity, and records the sandbox DNS warnings.
 */
import { builtinResources, isNotFound, type ApiClient, type KubeObject } from "@lite/sdk";
import type { ClusterSettings } from "@lite/sdk";
import type { Pod } from "./pod-types.ts";
import type { SpecPort } from "./ports.ts";
import {
  buildContainerConfig, buildSandboxConfig, qosClass, resolveEnv, serviceLinkEnv,
  type SpecWarning,
} from "./spec/index.ts";
import type { ResourceList } from "./spec/types.ts";

export interface SpecPortDeps {
  client: ApiClient;
  nodeIP: string;
  cluster: ClusterSettings;
  /** Node allocatable (resourceFieldRef defaults) and memory capacity in bytes (oomScoreAdj). */
  nodeAllocatable: () => ResourceList;
  nodeMemoryCapacity: number;
  event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void;
}

export function createSpecPort(deps: SpecPortDeps): SpecPort {
  const getOrUndefined = async <T extends KubeObject>(target: Parameters<ApiClient["get"]>[0]): Promise<T | undefined> => {
    try {
      return await deps.client.get<T>(target);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  return {
    sandboxConfig(pod, opts) {
      const warnings: SpecWarning[] = [];
      const config = buildSandboxConfig(pod as never, {
        attempt: opts.attempt, logDirectory: opts.logDirectory,
        cluster: { clusterDNS: opts.cluster.clusterDNS, clusterDomain: opts.cluster.clusterDomain }, warnings,
      });
      for (const w of warnings) deps.event(pod, "Warning", w.reason, w.message);
      return config;
    },
    containerConfig(pod, container, opts) {
      return buildContainerConfig(pod as never, container as never, {
        restartCount: opts.restartCount, env: opts.env, mounts: opts.mounts, logPath: opts.logPath, podDir: opts.podDir,
        podIPs: opts.podIPs, clusterDomain: deps.cluster.clusterDomain, nodeMemoryCapacity: deps.nodeMemoryCapacity,
        ...(opts.imageUser ? { imageUser: opts.imageUser.uid !== undefined ? String(opts.imageUser.uid) : opts.imageUser.username } : {}),
      });
    },
    env(pod, container, podIPs) {
      return resolveEnv(pod as never, container as never, {
        getConfigMap: (ns, name) => getOrUndefined({ ...builtinResources.configMaps, namespace: ns, name }),
        getSecret: (ns, name) => getOrUndefined({ ...builtinResources.secrets, namespace: ns, name }),
        async serviceEnv(ns, enableServiceLinks) {
          const [own, master] = await Promise.all([
            deps.client.list({ ...builtinResources.services, namespace: ns }),
            ns === "default" ? Promise.resolve({ items: [] }) : deps.client.list({ ...builtinResources.services, namespace: "default" }),
          ]);
          return serviceLinkEnv([...own.items, ...master.items] as never, ns, enableServiceLinks);
        },
        hostIPs: [deps.nodeIP],
        podIPs,
        nodeAllocatable: deps.nodeAllocatable(),
      });
    },
    qosClass: (pod) => qosClass(pod as never),
  };
}
