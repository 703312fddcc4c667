/**
 * A container's environment, as upstream kubelet makeEnvironmentVariables builds it:
 * 1. envFrom sources in order (later sources override earlier keys; prefix prepended; every key is
 *    kept, as since Kubernetes 1.30 env names may be any printable ASCII but '=');
 * 2. env in order, overriding: `value` with `$(VAR)` expanded from the variables so far and the
 *    service variables; or `valueFrom` (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef;
 *    a missing optional source leaves the variable unset);
 * 3. service link variables not already defined.
 * Failures throw ContainerConfigError with upstream's message (e.g. `configmap "cm" not found`).
 */
import type { KeyValue } from "../../cri/types.ts";
import { podFieldValue, resourceFieldValue } from "./downward-api.ts";
import { ContainerConfigError } from "./errors.ts";
import { expandVars, lookupIn } from "./expansion.ts";
import type { ConfigMap, Container, Pod, ResourceList, Secret } from "./types.ts";

export interface EnvDeps {
  /** undefined when the ConfigMap does not exist; other failures reject. */
  getConfigMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  /** undefined when the Secret does not exist; other failures reject. */
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  /** The service link variables for a pod of this namespace (see serviceLinkEnv). */
  serviceEnv(namespace: string, enableServiceLinks: boolean): Promise<KeyValue[]>;
  /** The node's IPs, primary first (status.hostIP / status.hostIPs). */
  hostIPs: readonly string[];
  /** The pod's IPs, primary first (status.podIP / status.podIPs). */
  podIPs: readonly string[];
  /** The node's allocatable (cpu, memory, ephemeral-storage): resourceFieldRef's default limits. */
  nodeAllocatable: ResourceList;
}

const ownValue = (data: Record<string, string> | undefined, key: string) => (data && Object.hasOwn(data, key) ? data[key] : undefined);
const decodeSecret = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

export async function resolveEnv(pod: Pod, container: Container, deps: EnvDeps): Promise<KeyValue[]> {
  try {
    return await buildEnv(pod, container, deps);
  } catch (err) {
    if (err instanceof ContainerConfigError) throw err;
    throw new ContainerConfigError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

async function buildEnv(pod: Pod, container: Container, deps: EnvDeps): Promise<KeyValue[]> {
  const ns = pod.metadata.namespace ?? "";
  const serviceEnv = new Map((await deps.serviceEnv(ns, pod.spec.enableServiceLinks ?? true)).map((e) => [e.key, e.value]));
  const configMaps = new Map<string, ConfigMap>();
  const secrets = new Map<string, Secret>();

  /** undefined: missing and optional (skip). */
  const configMap = async (name: string, optional: boolean): Promise<ConfigMap | undefined> => {
    let cm = configMaps.get(name);
    if (cm) return cm;
    cm = await deps.getConfigMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    configMaps.set(name, cm);
    return cm;
  };
  const secret = async (name: string, optional: boolean): Promise<Secret | undefined> => {
    let s = secrets.get(name);
    if (s) return s;
    s = await deps.getSecret(ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    secrets.set(name, s);
    return s;
  };

  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? "";
    if (from.configMapRef) {
      const cm = await configMap(from.configMapRef.name, from.configMapRef.optional === true);
      for (const [k, v] of Object.entries(cm?.data ?? {})) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const s = await secret(from.secretRef.name, from.secretRef.optional === true);
      for (const [k, v] of Object.entries(s?.data ?? {})) env.set(prefix + k, decodeSecret(v));
    }
  }

  const lookup = lookupIn(env, serviceEnv);
  for (const e of container.env ?? []) {
    let value = e.value ?? "";
    const from = e.valueFrom;
    if (value !== "") {
      value = expandVars(value, lookup);
    } else if (from?.fieldRef) {
      value = podFieldValue(pod, from.fieldRef, deps);
    } else if (from?.resourceFieldRef) {
      value = resourceFieldValue(pod, container, from.resourceFieldRef, deps.nodeAllocatable);
    } else if (from?.configMapKeyRef) {
      const { name, key, optional = false } = from.configMapKeyRef;
      const cm = await configMap(name, optional);
      if (!cm) continue;
      const v = ownValue(cm.data, key);
      if (v === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${name}`);
      }
      value = v;
    } else if (from?.secretKeyRef) {
      const { name, key, optional = false } = from.secretKeyRef;
      const s = await secret(name, optional);
      if (!s) continue;
      const v = ownValue(s.data, key);
      if (v === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${name}`);
      }
      value = decodeSecret(v);
    }
    env.set(e.name, value);
  }

  const out: KeyValue[] = [...env].map(([key, value]) => ({ key, value }));
  for (const [key, value] of serviceEnv) if (!env.has(key)) out.push({ key, value });
  return out;
}
