/**
 * Kubernetes' CEL authorizer library (k8s.io/apiserver/pkg/cel/library/authz.go, as in 1.32), for
 * ValidatingAdmissionPolicy's `authorizer` and `authorizer.requestResource` variables:
 *
 *   authorizer.path(string) -> PathCheck                 ("path must not be empty")
 *   authorizer.group(string) -> GroupCheck
 *   authorizer.serviceAccount(namespace, name) -> Authorizer  (checks as that service account)
 *   GroupCheck.resource(string) -> ResourceCheck          ("resource must not be empty")
 *   ResourceCheck.subresource / namespace / name / fieldSelector / labelSelector (string) -> ResourceCheck
 *   PathCheck.check(httpVerb) / ResourceCheck.check(apiVerb) -> Decision
 *   Decision.allowed() / errored() -> bool, reason() / error() -> string
 *
 * The authorization call is synchronous (CEL evaluation is): the binding takes an `AuthzDecide`
 * with the shape of lite's authorizer chain (`Authorization.decide`): apiserver `Attributes` in,
 * `{ decision: "allow" | "deny" | "noOpinion", reason, error? }` out. A decide that throws gives
 * an errored Decision (upstream's `err` from Authorize), not an evaluation error. Resource checks
 * carry apiVersion "*" as upstream; selectors are passed as text (lite's Attributes carry them so).
 */
import type { Attributes, UserInfo } from "../../apiserver/authz/types.ts";
import { CelError, CelObject, noSuchOverload, type CelValue } from "../values.ts";
import { isDNS1123Label, isDNS1123Subdomain } from "../../apiserver/machinery/label-validation.ts";
import type { CelLibrary } from "./registry.ts";

export interface AuthzDecision {
  readonly decision: "allow" | "deny" | "noOpinion";
  readonly reason: string;
  /** The authorizer's error, if it failed (Decision.errored() / error()). */
  readonly error?: string;
}

/** A synchronous authorizer, e.g. lite's `Authorization.decide`. */
export type AuthzDecide = (attrs: Attributes) => AuthzDecision;

/** Objects with receiver functions only: equal only to themselves. */
abstract class ReceiverOnly extends CelObject {
  equals(other: CelValue): boolean {
    return other === this;
  }
}

/** The `authorizer` variable: who is asking (the request's user) and how to ask. */
export class AuthorizerBinding extends ReceiverOnly {
  readonly celType = "kubernetes.authorization.Authorizer";
  constructor(readonly decide: AuthzDecide, readonly user: UserInfo) {
    super();
  }
  /** The `authorizer.requestResource` variable: a ResourceCheck for the request being admitted. */
  requestResource(req: { group: string; resource: string; subresource?: string; namespace?: string; name?: string }): ResourceCheck {
    return new ResourceCheck(new GroupCheck(this, req.group), req.resource, { subresource: req.subresource ?? "", namespace: req.namespace ?? "", name: req.name ?? "" });
  }
  run(attrs: Omit<Attributes, "user">): Decision {
    try {
      const d = this.decide({ ...attrs, user: this.user });
      return new Decision(d.decision, d.reason, d.error);
    } catch (err) {
      return new Decision("noOpinion", "", err instanceof Error ? err.message : String(err));
    }
  }
}

export class PathCheck extends ReceiverOnly {
  readonly celType = "kubernetes.authorization.PathCheck";
  constructor(readonly authorizer: AuthorizerBinding, readonly path: string) {
    super();
  }
  check(verb: string): Decision {
    return this.authorizer.run({ verb, isResourceRequest: false, path: this.path, apiGroup: "", apiVersion: "", namespace: "", resource: "", subresource: "", name: "" });
  }
}

export class GroupCheck extends ReceiverOnly {
  readonly celType = "kubernetes.authorization.GroupCheck";
  constructor(readonly authorizer: AuthorizerBinding, readonly group: string) {
    super();
  }
}

type ResourceFields = { subresource: string; namespace: string; name: string; fieldSelector?: string; labelSelector?: string };

export class ResourceCheck extends ReceiverOnly {
  readonly celType = "kubernetes.authorization.ResourceCheck";
  constructor(readonly groupCheck: GroupCheck, readonly resource: string, readonly fields: ResourceFields) {
    super();
  }
  with(change: Partial<ResourceFields>): ResourceCheck {
    return new ResourceCheck(this.groupCheck, this.resource, { ...this.fields, ...change });
  }
  check(verb: string): Decision {
    const { subresource, namespace, name, fieldSelector, labelSelector } = this.fields;
    return this.groupCheck.authorizer.run({
      verb, isResourceRequest: true, path: "", apiGroup: this.groupCheck.group, apiVersion: "*", resource: this.resource,
      subresource, namespace, name,
      ...(fieldSelector ? { fieldSelector } : {}), ...(labelSelector ? { labelSelector } : {}),
    });
  }
}

export class Decision extends ReceiverOnly {
  readonly celType = "kubernetes.authorization.Decision";
  constructor(readonly decision: AuthzDecision["decision"], readonly reason: string, readonly error?: string) {
    super();
  }
}

/** serviceaccount.ServiceAccountInfo.UserInfo(). */
function serviceAccountUser(namespace: string, name: string): UserInfo {
  return { username: `system:serviceaccount:${namespace}:${name}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`] };
}

/** A method of receiver class `cls` taking `n` string arguments. */
function method<T extends CelObject>(fn: string, cls: abstract new (...a: never[]) => T, n: number, run: (t: T, args: string[]) => CelValue) {
  return (target: CelValue | undefined, args: readonly CelValue[]): CelValue => {
    if (!(target instanceof cls) || args.length !== n || !args.every((a) => typeof a === "string")) throw noSuchOverload(fn, target, args);
    return run(target, args as string[]);
  };
}

const blank = (s: string) => s.trim().length === 0;

export const authzLibrary: CelLibrary = {
  path: method("path", AuthorizerBinding, 1, (a, [p]) => {
    if (blank(p!)) throw new CelError("path must not be empty");
    return new PathCheck(a, p!);
  }),
  group: method("group", AuthorizerBinding, 1, (a, [g]) => new GroupCheck(a, g!)),
  serviceAccount: method("serviceAccount", AuthorizerBinding, 2, (a, [ns, name]) => {
    if (isDNS1123Subdomain(name!).length > 0) throw new CelError("Invalid service account name");
    if (isDNS1123Label(ns!).length > 0) throw new CelError("Invalid service account namespace");
    return new AuthorizerBinding(a.decide, serviceAccountUser(ns!, name!));
  }),
  resource: method("resource", GroupCheck, 1, (g, [r]) => {
    if (blank(r!)) throw new CelError("resource must not be empty");
    return new ResourceCheck(g, r!, { subresource: "", namespace: "", name: "" });
  }),
  subresource: method("subresource", ResourceCheck, 1, (r, [s]) => r.with({ subresource: s! })),
  namespace: method("namespace", ResourceCheck, 1, (r, [ns]) => r.with({ namespace: ns! })),
  name: method("name", ResourceCheck, 1, (r, [n]) => r.with({ name: n! })),
  fieldSelector: method("fieldSelector", ResourceCheck, 1, (r, [s]) => r.with({ fieldSelector: s! })),
  labelSelector: method("labelSelector", ResourceCheck, 1, (r, [s]) => r.with({ labelSelector: s! })),
  check: (target, args) => {
    if ((target instanceof PathCheck || target instanceof ResourceCheck) && args.length === 1 && typeof args[0] === "string") return target.check(args[0]);
    throw noSuchOverload("check", target, args);
  },
  allowed: method("allowed", Decision, 0, (d) => d.decision === "allow"),
  reason: method("reason", Decision, 0, (d) => d.reason),
  errored: method("errored", Decision, 0, (d) => d.error !== undefined),
  error: method("error", Decision, 0, (d) => d.error ?? ""),
};
