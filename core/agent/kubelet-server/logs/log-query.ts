/**
 * The kubelet's `/containerLogs` query: PodLogOptions as query parameters (follow, previous,
 * timestamps, sinceSeconds, sinceTime, tailLines, limitBytes), decoded and validated as the kubelet
 * does (booleans as apimachinery converts them: absent, "false" or "0" is false, anything else true).
 */

export interface ContainerLogQuery {
  readonly follow: boolean;
  readonly previous: boolean;
  readonly timestamps: boolean;
  readonly sinceSeconds?: number;
  /** sinceTime in ms since the epoch. */
  readonly sinceTime?: number;
  readonly tailLines?: number;
  readonly limitBytes?: number;
}

export type ParsedLogQuery = { ok: true; query: ContainerLogQuery } | { ok: false; status: number; message: string };

function bool(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && v !== "0" && v.toLowerCase() !== "false";
}

function int(q: URLSearchParams, name: string): number | undefined | Error {
  const v = q.get(name);
  if (v === null) return undefined;
  return /^-?\d+$/.test(v) ? Number(v) : new Error(name);
}

export function parseContainerLogQuery(q: URLSearchParams): ParsedLogQuery {
  const bad = { ok: false as const, status: 400, message: "unable to decode query" };
  const sinceSeconds = int(q, "sinceSeconds");
  const tailLines = int(q, "tailLines");
  const limitBytes = int(q, "limitBytes");
  if (sinceSeconds instanceof Error || tailLines instanceof Error || limitBytes instanceof Error) return bad;
  let sinceTime: number | undefined;
  const st = q.get("sinceTime");
  if (st !== null) {
    sinceTime = Date.parse(st);
    if (Number.isNaN(sinceTime)) return bad;
  }
  const invalid =
    (tailLines !== undefined && tailLines < 0) ||
    (limitBytes !== undefined && limitBytes < 1) ||
    (sinceSeconds !== undefined && sinceSeconds < 1) ||
    (sinceSeconds !== undefined && sinceTime !== undefined);
  // Upstream's exact (if terse) answer to options that fail ValidatePodLogOptions.
  if (invalid) return { ok: false, status: 422, message: '{"message": "Invalid request."}' };
  return {
    ok: true,
    query: { follow: bool(q, "follow"), previous: bool(q, "previous"), timestamps: bool(q, "timestamps"), sinceSeconds, sinceTime, tailLines, limitBytes },
  };
}

/** The `since` bound of a query in ms since the epoch (sinceSeconds counts back from `now`). */
export function sinceOf(query: ContainerLogQuery, now = Date.now()): number | undefined {
  if (query.sinceTime !== undefined) return query.sinceTime;
  return query.sinceSeconds !== undefined ? now - query.sinceSeconds * 1000 : undefined;
}
