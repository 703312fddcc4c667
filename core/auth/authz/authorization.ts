/**
 * lite's authorization: the Node,RBAC authorizer chain over the API server's own watch caches,
 * NodeRestriction and RBAC-escalation admission, the authorization.k8s.io review kinds, the
 * bootstrap policy and ClusterRole aggregation.
 *
 * Lifecycle: `createAuthorization()` gives the hooks `createApiServer` needs (authorize,
 * admission, extra resources); `attach(api)` then follows the server's caches, reconciles the
 * bootstrap policy and starts aggregation. Until attached only `system:masters` is allowed.
 * `stop()` is idempotent.
 */
import type { AdmissionPlugin, ApiServer, Attributes, Authorizer, ResourceDef, UserInfo, WatchCache } from "../../apiserver/index.ts";
import { startAggregationReconciler, type AggregationReconciler } from "./aggregation/aggregation-reconciler.ts";
import { nodeRules } from "./bootstrap/cluster-roles.ts";
import { reconcileBootstrapPolicy } from "./bootstrap/reconcile.ts";
import { createAuthorizerChain, PRIVILEGED_GROUP, type AuthorizerChain, type ResolvedRules } from "./authorizer-chain.ts";
import { escalationPlugin } from "./escalation/escalation-admission.ts";
import { loopbackClient } from "./loopback/loopback-client.ts";
import { createNodeAuthorizer } from "./node/node-authorizer.ts";
import { createNodeGraph, type NodeGraph } from "./node/node-graph.ts";
import { nodeRestrictionPlugin } from "./node/node-restriction.ts";
import { createPolicyStore, type PolicyStore } from "./rbac/policy-store.ts";
import { createRbacAuthorizer, type AuthorizerDecision, type RbacAuthorizer } from "./rbac/rbac-authorizer.ts";
import { reviewHandlers } from "./review/access-reviews.ts";
import { reviewResources } from "./review/review-resources.ts";

export interface Authorization {
  /** The API server's authorize hook (and the `impersonate` check of the authenticator). */
  readonly authorize: Authorizer;
  /** Upstream-shaped decision (allow / deny / no opinion, with reason). */
  decide(attrs: Attributes): AuthorizerDecision;
  /** Rules of a user in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): ResolvedRules;
  /** Admission plugins: NodeRestriction, then RBAC escalation prevention. */
  readonly admission: readonly AdmissionPlugin[];
  /** authorization.k8s.io review kinds, for `extraResources`. */
  readonly resources: readonly ResourceDef[];
  attach(api: ApiServer, opts?: { onError?: (err: unknown) => void }): Promise<{ created: number; updated: number }>;
  stop(): void;
}

interface Attached {
  readonly policy: PolicyStore;
  readonly rbac: RbacAuthorizer;
  readonly graph: NodeGraph;
  readonly chain: AuthorizerChain;
  readonly aggregation: AggregationReconciler;
  readonly pods: WatchCache;
}

const MASTERS_ONLY: AuthorizerChain = {
  decide: (a) => (a.user.groups.includes(PRIVILEGED_GROUP) ? { decision: "allow", reason: "" } : { decision: "noOpinion", reason: "authorizer not started" }),
  rulesFor: () => ({ rules: [], incomplete: true, evaluationError: "authorizer not started" }),
};

export function createAuthorization(): Authorization {
  let attached: Attached | undefined;
  let stopped = false;
  const chain = (): AuthorizerChain => attached?.chain ?? MASTERS_ONLY;
  const decide = (attrs: Attributes) => chain().decide(attrs);
  // Review handlers see the chain through this indirection, so they work once attached.
  const lateChain: AuthorizerChain = { decide, rulesFor: (u, ns) => chain().rulesFor(u, ns) };

  const admission: AdmissionPlugin[] = [
    nodeRestrictionPlugin(() => attached?.pods),
    escalationPlugin({
      get rbac() {
        if (!attached) throw new Error("authorization not attached");
        return attached.rbac;
      },
      authorize: (attrs) => decide(attrs).decision === "allow",
    }),
  ];

  return {
    authorize: (_user, attrs) => {
      const d = decide(attrs);
      return d.decision === "allow" ? { allowed: true } : { allowed: false, reason: d.reason };
    },
    decide,
    rulesFor: (user, ns) => chain().rulesFor(user, ns),
    admission,
    resources: reviewResources(reviewHandlers(lateChain)),
    async attach(api, opts = {}) {
      if (stopped) throw new Error("authorization stopped");
      const cache = (group: string, resource: string, version = "v1"): WatchCache => {
        const c = api.watchCache(group, version, resource);
        if (!c) throw new Error(`authorization needs ${resource}.${group || "core"} to be served`);
        return c;
      };
      const rbacGroup = "rbac.authorization.k8s.io";
      const caches = {
        roles: cache(rbacGroup, "roles"), clusterRoles: cache(rbacGroup, "clusterroles"),
        roleBindings: cache(rbacGroup, "rolebindings"), clusterRoleBindings: cache(rbacGroup, "clusterrolebindings"),
      };
      const pods = cache("", "pods");
      const pvcs = cache("", "persistentvolumeclaims");
      await Promise.all([...Object.values(caches), pods, pvcs].map((c) => c.ready));
      const policy = createPolicyStore(caches);
      const rbac = createRbacAuthorizer(policy);
      const graph = createNodeGraph({ pods, pvcs });
      const node = createNodeAuthorizer(graph, nodeRules());
      const client = loopbackClient(api, "rbac-bootstrap");
      const aggregation = startAggregationReconciler(policy, loopbackClient(api, "clusterrole-aggregation-controller"), {
        onError: opts.onError,
        waitForRevision: (rev) => caches.clusterRoles.waitForRevision(rev, 2000),
      });
      attached = { policy, rbac, graph, chain: createAuthorizerChain(node, rbac), aggregation, pods };
      const result = await reconcileBootstrapPolicy(client);
      if (result.lastRevision) await caches.clusterRoles.waitForRevision(result.lastRevision, 2000);
      await aggregation.settle();
      return { created: result.created, updated: result.updated };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      attached?.aggregation.stop();
      attached?.policy.stop();
      attached?.graph.stop();
    },
  };
}
