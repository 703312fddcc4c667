/**
 * `prober_probe_total` (upstream pkg/kubelet/prober): how many probes ran, per container, probe
 * type and result. The prober reports each probe that ran and gave a verdict (a prober error is
 * thrown away uncounted, as upstream's worker does); `/metrics/probes` renders the counts. Series
 * of pods the kubelet no longer runs are dropped at scrape time (upstream deletes them when the
 * probe worker stops).
 */
import type { Family, Sample } from "../../../metrics/registry.ts";
import { sample } from "./exposition.ts";

export type ProbeType = "liveness" | "readiness" | "startup";
export interface ProbedPod { namespace: string; name: string; uid: string }

const TYPE_LABEL: Record<ProbeType, string> = { liveness: "Liveness", readiness: "Readiness", startup: "Startup" };

export class ProbeMetrics {
  private readonly counts = new Map<string, { labels: Record<string, string>; podUid: string; value: number }>();

  /** One probe ran with this verdict. */
  observe(pod: ProbedPod, container: string, type: ProbeType, result: "success" | "failure"): void {
    const res = result === "success" ? "successful" : "failed";
    const key = [pod.uid, container, type, res].join("\u0000");
    const entry = this.counts.get(key);
    if (entry) entry.value++;
    else {
      const labels = { probe_type: TYPE_LABEL[type], result: res, container, pod: pod.name, namespace: pod.namespace, pod_uid: pod.uid };
      this.counts.set(key, { labels, podUid: pod.uid, value: 1 });
    }
  }

  /** The family, keeping only pods whose uid is in `livePodUids`. */
  families(livePodUids: ReadonlySet<string>): Family[] {
    const samples: Sample[] = [];
    for (const [key, e] of this.counts) {
      if (!livePodUids.has(e.podUid)) this.counts.delete(key);
      else samples.push(sample(e.labels, e.value));
    }
    return [{ name: "prober_probe_total", help: "[BETA] Cumulative number of a liveness, readiness or startup probe for a container by result.", type: "counter", samples }];
  }
}
