/**
 * SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview and
 * SelfSubjectRulesReview (upstream pkg/registry/authorization/*): validate the spec, ask the
 * authorizer chain, answer the request with `status` filled in.
 */
import { apiErrors, ANONYMOUS_USER, fieldErrors, type Attributes, type FieldError, type KObject, type UserInfo } from "../../../apiserver/index.ts";
import type { AuthorizerChain } from "../authorizer-chain.ts";
import type { ReviewHandlers } from "./review-resources.ts";

// biome-ignore lint: review specs are open JSON.
type Json = any;

const GROUP = "authorization.k8s.io";

function validateSpec(spec: Json, requireSubject: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.resourceAttributes && spec.nonResourceAttributes) {
    errs.push(fieldErrors.invalid("spec.nonResourceAttributes", spec.nonResourceAttributes, "cannot be specified in combination with resourceAttributes"));
  }
  if (!spec.resourceAttributes && !spec.nonResourceAttributes) {
    errs.push(fieldErrors.invalid("spec.resourceAttributes", spec.nonResourceAttributes ?? null, "exactly one of nonResourceAttributes or resourceAttributes must be specified"));
  }
  if (requireSubject && !spec.user && !(spec.groups?.length)) {
    errs.push(fieldErrors.invalid("spec.user", spec.user ?? "", "at least one of user or group must be specified"));
  }
  return errs;
}

/** Upstream ResourceAttributesFrom / NonResourceAttributesFrom. */
function attributesFrom(user: UserInfo, spec: Json): Attributes {
  const r = spec.resourceAttributes;
  if (r) {
    return {
      user, verb: r.verb ?? "", isResourceRequest: true, path: "", apiGroup: r.group ?? "", apiVersion: r.version || "*",
      namespace: r.namespace ?? "", resource: r.resource ?? "", subresource: r.subresource ?? "", name: r.name ?? "",
      fieldSelector: r.fieldSelector?.rawSelector, labelSelector: r.labelSelector?.rawSelector,
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: n.verb ?? "", isResourceRequest: false, path: n.path ?? "", apiGroup: "", apiVersion: "", namespace: "", resource: "", subresource: "", name: "" };
}

function answer(obj: KObject, chain: AuthorizerChain, user: UserInfo): KObject {
  const d = chain.decide(attributesFrom(user, obj.spec ?? {}));
  const status: Json = { allowed: d.decision === "allow" };
  if (d.decision === "deny") status.denied = true;
  if (d.reason) status.reason = d.reason;
  obj.status = status;
  return obj;
}

export function reviewHandlers(chain: AuthorizerChain): ReviewHandlers {
  return {
    selfSubjectAccessReview(obj, req) {
      obj.spec ??= {};
      const errs = validateSpec(obj.spec, false);
      if (errs.length) throw apiErrors.invalid(GROUP, "SelfSubjectAccessReview", "", errs);
      return answer(obj, chain, req.user ?? ANONYMOUS_USER);
    },
    subjectAccessReview(obj) {
      obj.spec ??= {};
      const errs = validateSpec(obj.spec, true);
      if (errs.length) throw apiErrors.invalid(GROUP, "SubjectAccessReview", "", errs);
      const s = obj.spec;
      return answer(obj, chain, { username: s.user ?? "", groups: s.groups ?? [], ...(s.uid ? { uid: s.uid } : {}), ...(s.extra ? { extra: s.extra } : {}) });
    },
    localSubjectAccessReview(obj, req) {
      obj.spec ??= {};
      obj.metadata.namespace ||= req.namespace;
      const errs = validateSpec(obj.spec, true);
      const ns = obj.metadata.namespace ?? "";
      if (obj.spec.resourceAttributes && (obj.spec.resourceAttributes.namespace ?? "") !== ns) {
        errs.push(fieldErrors.invalid("spec.resourceAttributes.namespace", obj.spec.resourceAttributes.namespace ?? "", "must match metadata.namespace"));
      }
      if (obj.spec.nonResourceAttributes) errs.push(fieldErrors.invalid("spec.nonResourceAttributes", obj.spec.nonResourceAttributes, "disallowed on this kind of request"));
      if (errs.length) throw apiErrors.invalid(GROUP, "LocalSubjectAccessReview", "", errs);
      if (!req.namespace) throw apiErrors.badRequest(`namespace is required on this type: ${req.namespace}`);
      if (ns !== req.namespace) throw apiErrors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${req.namespace}`);
      const s = obj.spec;
      return answer(obj, chain, { username: s.user ?? "", groups: s.groups ?? [], ...(s.uid ? { uid: s.uid } : {}), ...(s.extra ? { extra: s.extra } : {}) });
    },
    selfSubjectRulesReview(obj, req) {
      const namespace: string = obj.spec?.namespace ?? "";
      if (!namespace) throw apiErrors.badRequest("no namespace on request");
      const r = chain.rulesFor(req.user ?? ANONYMOUS_USER, namespace);
      const resourceRules: Json[] = [];
      const nonResourceRules: Json[] = [];
      for (const rule of r.rules) {
        if (rule.resources?.length) {
          const rr: Json = { verbs: [...rule.verbs] };
          if (rule.apiGroups?.length) rr.apiGroups = [...rule.apiGroups];
          rr.resources = [...rule.resources];
          if (rule.resourceNames?.length) rr.resourceNames = [...rule.resourceNames];
          resourceRules.push(rr);
        }
        if (rule.nonResourceURLs?.length) nonResourceRules.push({ verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs] });
      }
      const status: Json = { resourceRules, nonResourceRules, incomplete: r.incomplete };
      if (r.evaluationError) status.evaluationError = r.evaluationError;
      obj.status = status;
      return obj;
    },
  };
}
