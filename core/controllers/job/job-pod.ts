/**
 * A Job's pods (upstream job_controller.go / indexed_job_utils.go): generateName `<job>-` or, for
 * Indexed jobs, `<job>-<index>-` with the completion-index annotation and label, hostname
 * `<job>-<index>` and the JOB_COMPLETION_INDEX variable; every pod carries the tracking finalizer.
 */
import { controllerRefTo } from "../workload-pods/owner.ts";
import { podFromTemplate } from "../workload-pods/pod-from-template.ts";
import type { Pod } from "../workload-pods/types.ts";
import { JOB_API_VERSION, JOB_COMPLETION_INDEX, JOB_KIND, JOB_TRACKING_FINALIZER, type Job } from "./types.ts";

export function newJobPod(job: Job, index?: number): Pod {
  const name = job.metadata.name ?? "";
  const indexed = index !== undefined;
  const pod = podFromTemplate(job.spec?.template, {
    namespace: job.metadata.namespace ?? "",
    generateName: indexed ? `${name}-${index}-` : `${name}-`,
    ownerRef: controllerRefTo(job, JOB_API_VERSION, JOB_KIND),
    extraLabels: indexed ? { [JOB_COMPLETION_INDEX]: String(index) } : undefined,
    extraAnnotations: indexed ? { [JOB_COMPLETION_INDEX]: String(index) } : undefined,
    extraFinalizers: [JOB_TRACKING_FINALIZER],
  });
  if (indexed) {
    const spec = pod.spec!;
    spec.hostname = `${name}-${index}`;
    const env = { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX}']` } } };
    for (const list of [spec.initContainers, spec.containers] as { env?: unknown[] }[][] | undefined[]) {
      for (const c of list ?? []) {
        const has = (c.env ?? []).some((e) => (e as { name?: string }).name === "JOB_COMPLETION_INDEX");
        if (!has) c.env = [...(c.env ?? []), env];
      }
    }
  }
  return pod;
}
