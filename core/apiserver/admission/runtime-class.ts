/**
 * RuntimeClass admission (upstream plugin/pkg/admission/runtimeclass) for Pods on create: a pod
 * naming a RuntimeClass that does not exist is rejected (Forbidden, `pod rejected: RuntimeClass
 * "x" not found`); the RuntimeClass's `overhead.podFixed` becomes the pod's `spec.overhead` and its
 * `scheduling` merges into the pod's nodeSelector (a conflicting key is Forbidden) and tolerations
 * (mutating phase). The validating phase rejects a pod whose `spec.overhead` differs from its
 * RuntimeClass's, or that sets one without a RuntimeClass defining it.
 */
import { apiErrors } from "../errors/index.ts";
import type { KObject } from "../resources/index.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "./types.ts";

type ResourceList = Record<string, string>;
interface RuntimeClass extends KObject {
  overhead?: { podFixed?: ResourceList };
  scheduling?: { nodeSelector?: Record<string, string>; tolerations?: Record<string, unknown>[] };
}
interface PodSpec {
  runtimeClassName?: string;
  overhead?: ResourceList;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
}

const appliesTo = (attrs: AdmissionAttributes) =>
  attrs.operation === "CREATE" && !attrs.subresource && attrs.def.group === "" && attrs.def.resource === "pods" && !!attrs.object;

const sameList = (a: ResourceList | undefined, b: ResourceList | undefined) => {
  const ka = Object.keys(a ?? {});
  return ka.length === Object.keys(b ?? {}).length && ka.every((k) => b?.[k] === a?.[k]);
};
const sameToleration = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  ["key", "operator", "value", "effect", "tolerationSeconds"].every((f) => (a[f] ?? "") === (b[f] ?? ""));

/** `getRuntimeClass(name)` returns the RuntimeClass, or undefined when there is none. */
export function runtimeClassPlugin(getRuntimeClass: (name: string) => Promise<KObject | undefined>): AdmissionPlugin {
  const reject = (attrs: AdmissionAttributes, reason: string) =>
    apiErrors.forbidden({ group: "", resource: "pods" }, (attrs.object?.metadata?.name as string | undefined) ?? attrs.name, reason);
  /** The pod's RuntimeClass (undefined when it names none); a missing one is Forbidden. */
  const runtimeClassOf = async (attrs: AdmissionAttributes): Promise<RuntimeClass | undefined> => {
    const name = (attrs.object!.spec as PodSpec | undefined)?.runtimeClassName;
    if (!name) return undefined;
    const rc = await getRuntimeClass(name);
    if (!rc) throw reject(attrs, `pod rejected: RuntimeClass "${name}" not found`);
    return rc as RuntimeClass;
  };
  return {
    name: "RuntimeClass",
    async admit(attrs) {
      if (!appliesTo(attrs)) return;
      const rc = await runtimeClassOf(attrs);
      if (!rc) return;
      const spec = ((attrs.object as { spec?: PodSpec }).spec ??= {});
      if (rc.overhead?.podFixed) {
        if (spec.overhead && !sameList(spec.overhead, rc.overhead.podFixed)) throw reject(attrs, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
        spec.overhead = { ...rc.overhead.podFixed };
      }
      const scheduling = rc.scheduling;
      if (scheduling?.nodeSelector) {
        const merged = { ...spec.nodeSelector };
        for (const [k, v] of Object.entries(scheduling.nodeSelector)) {
          if (k in merged && merged[k] !== v) throw reject(attrs, `conflict: runtimeClass.scheduling.nodeSelector[${k}] = ${v}; pod.spec.nodeSelector[${k}] = ${merged[k]}`);
          merged[k] = v;
        }
        spec.nodeSelector = merged;
      }
      for (const t of scheduling?.tolerations ?? []) {
        if (!(spec.tolerations ?? []).some((have) => sameToleration(have, t))) (spec.tolerations ??= []).push({ ...t });
      }
    },
    async validate(attrs) {
      if (!appliesTo(attrs)) return;
      const rc = await runtimeClassOf(attrs);
      const overhead = (attrs.object!.spec as PodSpec | undefined)?.overhead;
      if (rc?.overhead?.podFixed) {
        if (!sameList(overhead, rc.overhead.podFixed)) throw reject(attrs, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
      } else if (overhead && Object.keys(overhead).length > 0) {
        throw reject(attrs, "pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead");
      }
    },
  };
}
