/**
 * Per-group-version OpenAPI v3 documents. Every operation carries `x-kubernetes-action` and
 * `x-kubernetes-group-version-kind`; every PATCH carries a `fieldValidation` query parameter,
 * which is how kubectl learns that the server validates fields (kubectl-contract §2.2).
 */
import { KUBERNETES_VERSION } from "../version/version.ts";
import type { ResourceDef } from "../resources/index.ts";
import type { SchemaProvider } from "./schema-provider.ts";

const q = (name: string, description: string) => ({ name, in: "query", description, schema: { type: "string" }, uniqueItems: true });
const P = {
  dryRun: q("dryRun", "When present, indicates that modifications should not be persisted."),
  fieldManager: q("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  fieldValidation: q("fieldValidation", "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn (default), Strict."),
  force: { name: "force", in: "query", description: "Force is going to \"force\" Apply requests.", schema: { type: "boolean" }, uniqueItems: true },
  pretty: q("pretty", "If 'true', then the output is pretty printed."),
  name: (kind: string) => ({ name: "name", in: "path", description: `name of the ${kind}`, required: true, schema: { type: "string" }, uniqueItems: true }),
  namespace: { name: "namespace", in: "path", description: "object name and auth scope, such as for teams and projects", required: true, schema: { type: "string" }, uniqueItems: true },
  list: ["allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion", "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"].map((n) => q(n, n)),
};

const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];
/** Patch media types a kind accepts (no strategic merge patch for custom resources). */
const patchTypesOf = (def: ResourceDef) => (def.strategicMergePatch ? PATCH_TYPES : PATCH_TYPES.filter((t) => !t.includes("strategic")));

function body(ref: string | undefined, types = ["*/*"]): unknown {
  const schema = ref ? { $ref: ref } : { type: "object" };
  return { content: Object.fromEntries(types.map((t) => [t, { schema }])), required: true };
}

function responses(ref: string | undefined, codes: string[]): unknown {
  const schema = ref ? { $ref: ref } : { type: "object" };
  return Object.fromEntries(codes.map((c) => [c, { description: c === "201" ? "Created" : c === "202" ? "Accepted" : "OK", content: { "application/json": { schema } } }]));
}

function op(def: ResourceDef, action: string, id: string, gvkKind: string, extra: Record<string, unknown>): unknown {
  const gvk = gvkKind === def.kind ? { group: def.group, version: def.version, kind: def.kind } : { group: def.group, version: def.version, kind: gvkKind };
  return { tags: [def.group ? def.group.replace(/\./g, "_") : "core_v1"], operationId: id, ...extra, "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk };
}

function pascal(s: string): string {
  return s.split(/[-.]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join("");
}

export function groupVersionDocument(group: string, version: string, defs: readonly ResourceDef[], schemas: SchemaProvider): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  const root = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const gvId = pascal(group.split(".")[0] ?? "") + pascal(version);
  for (const def of defs) {
    const ref = schemas.refFor(def);
    const scopePath = def.namespaced ? `${root}/namespaces/{namespace}/${def.resource}` : `${root}/${def.resource}`;
    const scopeParams = def.namespaced ? [P.namespace, P.pretty] : [P.pretty];
    const nsWord = def.namespaced ? "Namespaced" : "";
    const id = (verb: string, suffix = "") => `${verb}${gvId}${nsWord}${def.kind}${suffix}`;
    paths[scopePath] = {
      get: op(def, "list", id("list"), def.kind, { parameters: P.list, responses: responses(undefined, ["200"]) }),
      post: op(def, "post", id("create"), def.kind, { parameters: [P.dryRun, P.fieldManager, P.fieldValidation], requestBody: body(ref), responses: responses(ref, ["200", "201", "202"]) }),
      delete: op(def, "deletecollection", id("deleteCollection"), def.kind, { parameters: P.list, responses: responses(undefined, ["200"]) }),
      parameters: scopeParams,
    };
    const item = `${scopePath}/{name}`;
    paths[item] = {
      get: op(def, "get", id("read"), def.kind, { responses: responses(ref, ["200"]) }),
      put: op(def, "put", id("replace"), def.kind, { parameters: [P.dryRun, P.fieldManager, P.fieldValidation], requestBody: body(ref), responses: responses(ref, ["200", "201"]) }),
      patch: op(def, "patch", id("patch"), def.kind, { parameters: [P.dryRun, P.fieldManager, P.fieldValidation, P.force], requestBody: { content: Object.fromEntries(patchTypesOf(def).map((t) => [t, { schema: { type: "object" } }])), required: true }, responses: responses(ref, ["200", "201"]) }),
      delete: op(def, "delete", id("delete"), def.kind, { responses: responses(undefined, ["200", "202"]) }),
      parameters: [P.name(def.kind), ...scopeParams],
    };
    if (def.namespaced) {
      paths[`${root}/${def.resource}`] = { get: op(def, "list", id("list", "ForAllNamespaces").replace(nsWord, ""), def.kind, { parameters: P.list, responses: responses(undefined, ["200"]) }) };
    }
    for (const s of def.subresources) {
      if (s.handler === "connect") continue;
      const sp = `${item}/${s.name}`;
      const entry: Record<string, unknown> = { parameters: [P.name(s.responseKind.kind), ...scopeParams] };
      const subGvk = s.responseKind;
      const subOp = (verb: string, action: string, extra: Record<string, unknown>) => ({
        ...(op(def, action, id(verb, pascal(s.name)), subGvk.kind, extra) as object),
        "x-kubernetes-group-version-kind": { ...subGvk },
      });
      if (s.verbs.includes("get")) entry.get = subOp("read", "get", { responses: responses(undefined, ["200"]) });
      if (s.verbs.includes("update")) entry.put = subOp("replace", "put", { parameters: [P.dryRun, P.fieldManager, P.fieldValidation], requestBody: body(undefined), responses: responses(undefined, ["200", "201"]) });
      if (s.verbs.includes("patch")) entry.patch = subOp("patch", "patch", { parameters: [P.dryRun, P.fieldManager, P.fieldValidation, P.force], requestBody: { content: Object.fromEntries(patchTypesOf(def).map((t) => [t, { schema: { type: "object" } }])), required: true }, responses: responses(undefined, ["200", "201"]) });
      if (s.verbs.includes("create")) entry.post = subOp("create", "post", { parameters: [P.dryRun, P.fieldManager, P.fieldValidation], requestBody: body(undefined), responses: responses(undefined, ["200", "201", "202"]) });
      paths[sp] = entry;
    }
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: KUBERNETES_VERSION.gitVersion },
    paths,
    components: { schemas: schemas.schemasFor(defs) },
  };
}
