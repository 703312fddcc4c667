/**
 * How the kubelet's Prometheus endpoints answer: families computed at scrape time, rendered in the
 * text format 0.0.4 by core/metrics' renderer, in the order Prometheus' Go client gathers them:
 * families sorted by name (empty ones left out), label names sorted within a sample, samples
 * sorted by their label values.
 */
import { EXPOSITION_CONTENT_TYPE, renderFamilies, type Family, type Labels, type Sample } from "../../../metrics/registry.ts";

/** A sample with its labels in name order (as the Go client writes them). */
export function sample(labels: Labels, value: number, timestampMs?: number): Sample {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) sorted[k] = labels[k]!;
  return timestampMs === undefined ? { labels: sorted, value } : { labels: sorted, value, timestampMs };
}

const labelKey = (s: Sample) => Object.values(s.labels).join("\u0000");

/** The exposition text of `families`: sorted, empty families dropped. */
export function renderSorted(families: readonly Family[]): string {
  const out = families
    .filter((f) => f.samples.length > 0)
    .map((f) => ({ ...f, samples: [...f.samples].sort((a, b) => (labelKey(a) < labelKey(b) ? -1 : labelKey(a) > labelKey(b) ? 1 : 0)) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return renderFamilies(out);
}

export function metricsResponse(families: readonly Family[]): Response {
  return new Response(renderSorted(families), { headers: { "Content-Type": EXPOSITION_CONTENT_TYPE } });
}
