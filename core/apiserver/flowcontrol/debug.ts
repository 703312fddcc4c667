/**
 * upstream apf_controller_debug.go: /debug/api_priority_and_fairness/dump_priority_levels, dump_queues and
 * dump_requests, rows of cells joined by ",\t" through Go's tabwriter (minwidth 8, padding 1, spaces).
 * Exempt levels have no queues. dump_requests lists waiting requests (with their index in the queue) and
 * executing ones of limited levels (index -1; queue -1 when they did not wait), levels sorted by name.
 */
import type { PriorityLevel, RequestRecord } from "./levels.ts";

export const DEBUG_PREFIX = "/debug/api_priority_and_fairness/";

/** Go text/tabwriter with minwidth 8, tabwidth 0, padding 1, padchar ' ', flags 0 (tab-terminated cells). */
export function tabwrite(lines: readonly string[]): string {
  const rows = lines.map((l) => l.split("\t"));
  let out = "";
  // Column blocks: consecutive lines having a terminated cell in column c share its width.
  const widths: number[][] = rows.map((r) => new Array(Math.max(0, r.length - 1)).fill(0));
  const maxCols = Math.max(0, ...rows.map((r) => r.length - 1));
  for (let c = 0; c < maxCols; c++) {
    let start = 0;
    while (start < rows.length) {
      if (rows[start]!.length - 1 <= c) { start++; continue; }
      let end = start, w = 0;
      while (end < rows.length && rows[end]!.length - 1 > c) { w = Math.max(w, rows[end]![c]!.length + 1); end++; }
      w = Math.max(w, 8);
      for (let i = start; i < end; i++) widths[i]![c] = w;
      start = end;
    }
  }
  rows.forEach((r, i) => {
    for (let c = 0; c < r.length - 1; c++) out += r[c]!.padEnd(widths[i]![c]!, " ");
    out += `${r[r.length - 1]}\n`;
  });
  return out;
}

const row = (...cells: (string | number | boolean)[]): string => cells.map(String).join(",\t");

const sorted = (levels: ReadonlyMap<string, PriorityLevel>): PriorityLevel[] =>
  [...levels.values()].sort((a, b) => (a.spec.name < b.spec.name ? -1 : a.spec.name > b.spec.name ? 1 : 0));

const rfc3339Nano = (ms: number): string => new Date(ms).toISOString().replace(/\.?0*Z$/, "Z");

export function dumpPriorityLevels(levels: ReadonlyMap<string, PriorityLevel>): string {
  const lines = [row("PriorityLevelName", "ActiveQueues", "IsIdle", "IsQuiescing", "WaitingRequests", "ExecutingRequests",
    "DispatchedRequests", "RejectedRequests", "TimedoutRequests", "CancelledRequests")];
  for (const l of sorted(levels)) {
    lines.push(row(l.spec.name, l.activeQueues(), l.executing === 0 && l.waiting === 0, false, l.waiting, l.executing,
      l.dispatched, l.rejected, l.timedout, l.cancelled));
  }
  return tabwrite(lines);
}

export function dumpQueues(levels: ReadonlyMap<string, PriorityLevel>): string {
  const lines = [row("PriorityLevelName", "Index", "PendingRequests", "ExecutingRequests", "SeatsInUse", "NextDispatchR", "InitialSeatsSum", "MaxSeatsSum", "TotalWorkSum")];
  for (const l of sorted(levels)) {
    l.queueDigest().forEach((q, i) => {
      lines.push(row(l.spec.name, i, q.waiting.length, q.executing, q.executing, "0.00000000ss", q.waiting.length, q.waiting.length, "0.00000000ss"));
    });
  }
  return tabwrite(lines);
}

export function dumpRequests(levels: ReadonlyMap<string, PriorityLevel>, includeDetails: boolean): string {
  let header = row("PriorityLevelName", "FlowSchemaName", "QueueIndex", "RequestIndexInQueue", "FlowDistingsher", "ArriveTime",
    "InitialSeats", "FinalSeats", "AdditionalLatency", "StartTime");
  if (includeDetails) header += `,\t${row("UserName", "Verb", "APIPath", "Namespace", "Name", "APIVersion", "Resource", "SubResource")}`;
  const lines = [header];
  const line = (l: PriorityLevel, r: RequestRecord, index: number): void => {
    let s = row(l.spec.name, r.flowSchema, r.queue, index, r.distinguisher, rfc3339Nano(r.arrive), 1, 0, "0s", rfc3339Nano(r.start || 0));
    if (includeDetails) s += `,\t${row(r.user, r.verb, r.path, r.namespace, r.name, r.apiVersion, r.resource, r.subresource)}`;
    lines.push(s);
  };
  for (const l of sorted(levels)) {
    for (const q of l.queueDigest()) q.waiting.forEach((r, i) => line(l, r, i));
    for (const r of l.running) line(l, r, -1);
  }
  return tabwrite(lines);
}

/** The response to a GET of a debug path, or undefined when `path` is not one. */
export function serveDebug(path: string, url: URL, levels: () => ReadonlyMap<string, PriorityLevel>): Response | undefined {
  if (!path.startsWith(DEBUG_PREFIX)) return undefined;
  const what = path.slice(DEBUG_PREFIX.length);
  let text: string;
  if (what === "dump_priority_levels") text = dumpPriorityLevels(levels());
  else if (what === "dump_queues") text = dumpQueues(levels());
  else if (what === "dump_requests") text = dumpRequests(levels(), (url.searchParams.get("includeRequestDetails") ?? "").length > 0);
  else return undefined;
  return new Response(text, { status: 200, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
