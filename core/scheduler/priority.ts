/**
 * A pod's priority. lite has no Priority admission plugin yet and the API server defaults
 * spec.priority to 0, so the class decides: the pod's PriorityClass value (built-in system
 * classes included), else the global-default class, else spec.priority, else 0.
 */
import type { Informer, KubeObject, Pod } from "@lite/sdk";

type PriorityClass = KubeObject & { value?: number; globalDefault?: boolean };

const BUILTIN: Record<string, number> = { "system-cluster-critical": 2_000_000_000, "system-node-critical": 2_000_001_000 };

export function podPriorityResolver(classes: Informer<PriorityClass>): (pod: Pod) => number {
  return (pod) => {
    const name = pod.spec.priorityClassName;
    if (name) {
      const v = classes.get(name)?.value ?? BUILTIN[name];
      if (v !== undefined) return v;
    } else {
      for (const pc of classes.list()) if (pc.globalDefault) return pc.value ?? 0;
    }
    return typeof pod.spec.priority === "number" ? pod.spec.priority : 0;
  };
}
