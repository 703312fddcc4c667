/** The fields of Kubernetes objects this plugin reads (everything else passes through untouched). */
import type { KubeObject } from "@lite/sdk";

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalName?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
}

export interface EndpointSlice extends KubeObject {
  addressType?: string;
  endpoints?: {
    addresses?: string[];
    hostname?: string;
    nodeName?: string;
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  }[] | null;
  ports?: { name?: string; port?: number; protocol?: string }[] | null;
}

export interface Node extends KubeObject {
  status?: { addresses?: { type: string; address: string }[] };
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
