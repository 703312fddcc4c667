/** `defineResource`: a catalog entry with upstream defaults for everything not stated. */
import { ALL_VERBS, type GroupVersionKind, type ResourceDef, type ResourceDefInput, type SubresourceDef, type SubresourceKind } from "./types.ts";

export function defineResource(input: ResourceDefInput): ResourceDef {
  const subresources = input.subresources ?? [];
  return {
    listKind: `${input.kind}List`,
    singular: input.kind.toLowerCase(),
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    nameRule: "subdomain",
    topLevelFields: ["spec", "status"],
    statusSplit: subresources.some((s) => s.handler === "status"),
    tracksGeneration: false,
    allowCreateOnUpdate: false,
    allowUnconditionalUpdate: true,
    returnDeletedObject: false,
    strategicMergePatch: true,
    strategy: {},
    ...input,
    subresources,
  };
}

/** Subresource entry helpers (verbs and response kinds as upstream discovery lists them). */
export const sub = {
  status(gvk: GroupVersionKind): SubresourceDef {
    return { name: "status", handler: "status", responseKind: gvk, verbs: ["get", "patch", "update"] };
  },
  scale(): SubresourceDef {
    return { name: "scale", handler: "scale", responseKind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] };
  },
  connect(name: string, kind: string, verbs: readonly string[], handler: SubresourceKind = "connect"): SubresourceDef {
    return { name, handler, responseKind: { group: "", version: "v1", kind }, verbs };
  },
  of(name: string, handler: SubresourceKind, responseKind: GroupVersionKind, verbs: readonly string[]): SubresourceDef {
    return { name, handler, responseKind, verbs };
  },
};

export const PROXY_VERBS = ["create", "delete", "get", "patch", "update"] as const;
