/**
 * What the pod lifecycle needs from the rest of the node agent, gathered in one place so the
 * parts (spec translation, volumes, probes, images) can be tested apart.
 */
import type { ApiClient, ClusterSettings, Logger } from "@lite/sdk";
import type { AgentPaths } from "../paths.ts";
import type { CriClient } from "../cri/types.ts";
import type { Pod } from "./pod-types.ts";

export interface KubeletDeps {
  client: ApiClient;
  cri: CriClient;
  paths: AgentPaths;
  log: Logger;
  nodeName: string;
  nodeIP: string;
  cluster: ClusterSettings;
  /** Records an Event about a pod (aggregated, in the background). */
  event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void;
  now(): number;
}
