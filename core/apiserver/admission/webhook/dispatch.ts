/**
 * The MutatingAdmissionWebhook and ValidatingAdmissionWebhook admission plugins (upstream
 * apiserver/pkg/admission/plugin/webhook/{mutating,validating}).
 *
 * - Configurations are taken in name order, webhooks in their listed order. A webhook is called
 *   when one of its rules selects the request and its namespaceSelector and objectSelector match.
 *   Then none of its `matchConditions` (CEL, match-conditions.ts) may be false; they see
 *   `authorizer` answered by the server's synchronous authorizer (`decide`). Conditions that fail
 *   to evaluate skip the webhook under `failurePolicy: Ignore` and refuse the request under Fail
 *   with upstream's 403 `<resource> "<name>" is forbidden: expression '...' resulted in error: ...`.
 * - Mutating webhooks run one after another; each JSONPatch is applied before the next call, and
 *   the kind's defaults are re-applied. With `reinvocationPolicy: IfNeeded`, a webhook is called
 *   once more when a later webhook changed the object after it. When webhooks changed a custom
 *   object, the fields its schema does not know are pruned afterwards (later webhooks of the same
 *   round still see them, as upstream).
 * - Validating webhooks run in parallel; the first refusal (in configuration order) is returned.
 * - A refusal is `admission webhook "NAME" denied the request: MESSAGE` with the webhook's code
 *   (at least 400). A failed call is skipped under `failurePolicy: Ignore` and is a 500
 *   `failed calling webhook "NAME": ...` under Fail. Dry runs reach only webhooks whose sideEffects
 *   are None or NoneOnDryRun; others refuse the dry run with 400.
 * - Webhook warnings are returned to the client as `Warning` headers.
 */
import { randomUUID } from "node:crypto";
import { ApiError, apiErrors } from "../../errors/index.ts";
import { applyJsonPatch } from "../../machinery/json-patch.ts";
import type { LabelSelectorObject } from "../../machinery/label-selector.ts";
import type { KObject } from "../../resources/index.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../types.ts";
import type { AuthzDecide } from "../../../cel/library/authz.ts";
import { authorizerVariables } from "../authorizer-variables.ts";
import { CallError, postReview, resolveTarget, type ClientConfig, type ServiceResolver } from "./caller.ts";
import { conditionsMatch, MatchConditionError, type MatchCondition } from "./match-conditions.ts";
import { selectorsMatch } from "./object-match.ts";
import { admissionReview, InvalidReviewResponse, reviewVersion, verdictOf, type WebhookVerdict } from "./review.ts";
import { isExemptFromWebhooks, ruleMatches, type RuleWithOperations } from "./rules.ts";

interface Webhook {
  readonly name: string;
  readonly clientConfig: ClientConfig;
  readonly rules?: readonly RuleWithOperations[];
  readonly failurePolicy?: string;
  readonly sideEffects?: string;
  readonly timeoutSeconds?: number;
  readonly admissionReviewVersions?: readonly string[];
  readonly namespaceSelector?: LabelSelectorObject;
  readonly objectSelector?: LabelSelectorObject;
  readonly reinvocationPolicy?: string;
  readonly matchConditions?: readonly MatchCondition[];
}

export interface WebhookSources {
  /** Current MutatingWebhookConfigurations (any order). */
  mutating(): readonly KObject[];
  /** Current ValidatingWebhookConfigurations (any order). */
  validating(): readonly KObject[];
  /** Labels of a namespace (undefined when it does not exist). */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  resolveService: ServiceResolver;
  fetch?: typeof fetch;
}

function webhooksOf(configs: readonly KObject[]): Webhook[] {
  return [...configs].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0))
    .flatMap((c) => ((c as { webhooks?: Webhook[] }).webhooks ?? []));
}

async function applies(hook: Webhook, attrs: AdmissionAttributes, sources: WebhookSources): Promise<boolean> {
  if (!(hook.rules ?? []).some((r) => ruleMatches(r, attrs))) return false;
  return selectorsMatch(hook.namespaceSelector, hook.objectSelector, attrs, sources.namespaceLabels);
}

/** Without an authorizer, every authorizer check is an errored decision. */
const NO_AUTHORIZER: AuthzDecide = () => ({ decision: "noOpinion", reason: "", error: "no authorizer is configured" });

/**
 * Whether the hook's matchConditions let it be called (upstream generic.Webhook.ShouldCallHook):
 * false skips it; conditions that failed to evaluate skip it under failurePolicy Ignore and are a
 * 403 under Fail (not a failed call: the webhook is not called).
 */
function conditionsAllow(hook: Webhook, attrs: AdmissionAttributes, request: unknown, decide: AuthzDecide): boolean {
  if (!hook.matchConditions?.length) return true;
  const vars = { object: attrs.object ?? null, oldObject: attrs.oldObject ?? null, request, ...authorizerVariables(attrs, decide) };
  try {
    return conditionsMatch(hook.matchConditions, vars);
  } catch (err) {
    if (!(err instanceof MatchConditionError)) throw err;
    if (hook.failurePolicy === "Ignore") return false;
    throw apiErrors.forbidden({ group: attrs.def.group, resource: attrs.def.resource }, attrs.name || attrs.object?.metadata.name || "", err.message);
  }
}

/** The AdmissionReview a webhook is sent (its request is also matchConditions' `request`). */
interface Prepared {
  readonly uid: string;
  readonly version: ReturnType<typeof reviewVersion>;
  readonly review: ReturnType<typeof admissionReview>;
}

function prepare(hook: Webhook, attrs: AdmissionAttributes): Prepared {
  const version = reviewVersion(hook.admissionReviewVersions);
  const uid = randomUUID();
  return { uid, version, review: admissionReview(attrs, uid, version ?? "v1") };
}

/** Calls one webhook; undefined when the call failed and failurePolicy is Ignore. */
async function call(hook: Webhook, attrs: AdmissionAttributes, sources: WebhookSources, mutating: boolean, { uid, version, review }: Prepared): Promise<WebhookVerdict | undefined> {
  const timeout = hook.timeoutSeconds ?? 10;
  try {
    if (attrs.dryRun && hook.sideEffects !== "None" && hook.sideEffects !== "NoneOnDryRun") {
      throw apiErrors.badRequest(`admission webhook ${JSON.stringify(hook.name)} does not support dry run`);
    }
    if (!version) throw new CallError(`webhook does not accept known AdmissionReview versions ${JSON.stringify(hook.admissionReviewVersions ?? [])}`);
    const target = await resolveTarget(hook.clientConfig, timeout, sources.resolveService);
    const body = await postReview(target, review, timeout, sources.fetch);
    return verdictOf(body, uid, version, mutating);
  } catch (err) {
    if (!(err instanceof CallError) && !(err instanceof InvalidReviewResponse)) throw err;
    if (hook.failurePolicy === "Ignore") return undefined;
    const reason = err instanceof InvalidReviewResponse ? `received invalid webhook response: ${err.message}` : err.message;
    throw apiErrors.internal(`failed calling webhook ${JSON.stringify(hook.name)}: ${reason}`);
  }
}

/** upstream webhookerrors.ToStatusErr. */
function refusal(hook: Webhook, verdict: WebhookVerdict): ApiError {
  const status = verdict.status ?? {};
  const deniedBy = `admission webhook ${JSON.stringify(hook.name)} denied the request`;
  const message = status.message ? `${deniedBy}: ${status.message}` : status.reason ? `${deniedBy}: ${status.reason}` : `${deniedBy} without explanation`;
  const code = typeof status.code === "number" && status.code >= 400 ? status.code : 400;
  return new ApiError(code, (status.reason ?? "") as ApiError["reason"], message, status.details);
}

function replaceContents(target: KObject, source: KObject): void {
  for (const key of Object.keys(target)) if (!(key in source)) delete (target as Record<string, unknown>)[key];
  Object.assign(target, source);
}

/** `decide`: the server's authorizer as a synchronous decision, for matchConditions' `authorizer`. */
export function mutatingWebhookPlugin(sources: WebhookSources, decide: AuthzDecide = NO_AUTHORIZER): AdmissionPlugin {
  async function invoke(hook: Webhook, attrs: AdmissionAttributes): Promise<boolean> {
    const prepared = prepare(hook, attrs);
    if (!conditionsAllow(hook, attrs, prepared.review.request, decide)) return false;
    const verdict = await call(hook, attrs, sources, true, prepared);
    if (!verdict) return false;
    attrs.warnings?.push(...verdict.warnings);
    if (!verdict.allowed) throw refusal(hook, verdict);
    if (verdict.patch === undefined || !attrs.object) return false;
    const before = JSON.stringify(attrs.object);
    let patched: KObject;
    try {
      patched = applyJsonPatch(attrs.object, verdict.patch) as KObject;
    } catch (err) {
      throw apiErrors.internal(`failed calling webhook ${JSON.stringify(hook.name)}: the patch could not be applied: ${(err as Error).message}`);
    }
    patched.apiVersion = attrs.object.apiVersion;
    patched.kind = attrs.object.kind;
    attrs.def.strategy.defaults?.(patched, { now: new Date(), namespace: attrs.namespace });
    if (JSON.stringify(patched) === before) return false;
    replaceContents(attrs.object, patched);
    return true;
  }

  return {
    name: "MutatingAdmissionWebhook",
    async admit(attrs) {
      if (isExemptFromWebhooks(attrs)) return;
      const hooks = webhooksOf(sources.mutating());
      if (hooks.length === 0) return;
      const invoked: { hook: Webhook; changedAfter: boolean }[] = [];
      let dirty = false;
      for (const hook of hooks) {
        if (!(await applies(hook, attrs, sources))) continue;
        const changed = await invoke(hook, attrs);
        dirty ||= changed;
        if (changed) for (const i of invoked) i.changedAfter = true;
        invoked.push({ hook, changedAfter: false });
      }
      // One reinvocation round for IfNeeded webhooks whose view of the object went stale.
      for (const i of invoked) {
        if (i.hook.reinvocationPolicy === "IfNeeded" && i.changedAfter) dirty = (await invoke(i.hook, attrs)) || dirty;
      }
      // Upstream converts the patched object back through the kind's converter, which prunes the
      // fields a custom resource's schema does not know (what webhooks added included).
      if (dirty && attrs.object) attrs.def.strategy.pruneUnknownFields?.(attrs.object);
    },
  };
}

/** `decide`: the server's authorizer as a synchronous decision, for matchConditions' `authorizer`. */
export function validatingWebhookPlugin(sources: WebhookSources, decide: AuthzDecide = NO_AUTHORIZER): AdmissionPlugin {
  return {
    name: "ValidatingAdmissionWebhook",
    async validate(attrs) {
      if (isExemptFromWebhooks(attrs)) return;
      const hooks = webhooksOf(sources.validating());
      if (hooks.length === 0) return;
      // Selection (rules, selectors, matchConditions) is serial, as upstream: a condition error
      // under failurePolicy Fail refuses the request before any webhook is called.
      const selected: { hook: Webhook; prepared: Prepared }[] = [];
      for (const hook of hooks) {
        if (!(await applies(hook, attrs, sources))) continue;
        const prepared = prepare(hook, attrs);
        if (conditionsAllow(hook, attrs, prepared.review.request, decide)) selected.push({ hook, prepared });
      }
      const outcomes = await Promise.allSettled(selected.map((s) => call(s.hook, attrs, sources, false, s.prepared)));
      let first: Error | undefined;
      outcomes.forEach((o, i) => {
        if (o.status === "rejected") { first ??= o.reason as Error; return; }
        if (!o.value) return;
        attrs.warnings?.push(...o.value.warnings);
        if (!o.value.allowed) first ??= refusal(selected[i]!.hook, o.value);
      });
      if (first) throw first;
    },
  };
}
