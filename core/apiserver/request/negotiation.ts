/**
 * Content negotiation: which representation the client asked for in `Accept`
 * (plain JSON, a meta.k8s.io Table, PartialObjectMetadata, aggregated discovery), and the
 * media type of request bodies.
 */

export interface MediaRange {
  readonly type: string;
  readonly params: Readonly<Record<string, string>>;
}

export function parseAccept(header: string | null): MediaRange[] {
  if (!header) return [{ type: "*/*", params: {} }];
  return header.split(",").map((part) => {
    const [type = "", ...paramParts] = part.split(";").map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of paramParts) {
      const eq = p.indexOf("=");
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"|"$/g, "");
    }
    return { type: type.toLowerCase(), params };
  }).filter((m) => m.type.length > 0);
}

export type ResponseShape = "object" | "table" | "partial-metadata";

/**
 * The first acceptable JSON representation; Table/PartialObjectMetadata only as `as=` of meta.k8s.io/v1 (or v1beta1).
 * `table: false` (a resource without a table convertor, as upstream's AllowsMediaTypeTransform
 * decides) skips Table ranges, so a client that accepts only a Table gets none (406).
 */
export function negotiateShape(accept: MediaRange[], allow: { table?: boolean } = {}): { shape: ResponseShape; version: string } | undefined {
  for (const m of accept) {
    const jsonish = m.type === "application/json" || m.type === "*/*" || m.type === "application/*" || m.type === "application/vnd.kubernetes.protobuf";
    if (!jsonish) continue;
    const as = m.params.as;
    if (!as) {
      if (m.type === "application/vnd.kubernetes.protobuf") continue;
      return { shape: "object", version: "" };
    }
    if (m.params.g !== "meta.k8s.io" || (m.params.v !== "v1" && m.params.v !== "v1beta1")) continue;
    if (as === "Table") {
      if (allow.table === false) continue;
      return { shape: "table", version: m.params.v };
    }
    if (as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") return { shape: "partial-metadata", version: m.params.v };
  }
  return undefined;
}

export function bodyMediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}
