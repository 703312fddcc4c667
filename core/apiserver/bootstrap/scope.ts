/** The request scope of the server's own bootstrap writes (user system:apiserver, a system:masters member). */
import type { ResourceDef } from "../resources/index.ts";
import type { RequestScope } from "../rest/context.ts";
import type { RequestInfo } from "../request/request-info.ts";

export function bootstrapScope(def: ResourceDef, verb: "create" | "update" | "delete", namespace: string, name: string, subresource = ""): RequestScope {
  const info: RequestInfo = {
    isResourceRequest: true, path: "", verb, apiPrefix: def.group ? "apis" : "api", group: def.group, version: def.version,
    namespace, resource: def.resource, name, subresource, rest: [],
  };
  return { req: new Request("http://bootstrap/"), url: new URL("http://bootstrap/"), info, def, user: { username: "system:apiserver", groups: ["system:masters"] } };
}
