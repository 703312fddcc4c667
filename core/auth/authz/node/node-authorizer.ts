/**
 * The node authorizer (upstream plugin/pkg/auth/authorizer/node, AuthorizeNodeWithSelectors on):
 * for `system:node:<name>` in `system:nodes`, secrets/configmaps/PVCs/PVs/service-account tokens
 * are readable only when a pod bound to the node uses them; its own Node and Lease are writable;
 * pods are readable one by one when bound to it or listed with `spec.nodeName=<name>`. Everything
 * else is checked against the static `system:node` rules. Non-node users get no opinion.
 */
import type { Attributes } from "../../../apiserver/authz/types.ts";
import { rulesAllow } from "../rbac/rule-match.ts";
import type { AuthorizerDecision } from "../rbac/rbac-authorizer.ts";
import type { PolicyRule } from "../rbac/types.ts";
import type { NodeGraph, VertexType } from "./node-graph.ts";
import { nodeIdentity } from "./node-identity.ts";

const NODE_LEASE_NAMESPACE = "kube-node-lease";
const noOpinion = (reason = ""): AuthorizerDecision => ({ decision: "noOpinion", reason });
const allow: AuthorizerDecision = { decision: "allow", reason: "" };

/** `spec.nodeName=<node>` (or `==`) among the comma-separated requirements of a field selector. */
function selectsField(selector: string | undefined, field: string, value: string): boolean {
  if (!selector) return false;
  for (const part of selector.split(",")) {
    const m = /^\s*([^=!\s]+)\s*==?\s*(.*?)\s*$/.exec(part);
    if (m && m[1] === field && m[2] === value) return true;
  }
  return false;
}

export function createNodeAuthorizer(graph: NodeGraph, nodeRules: readonly PolicyRule[]): (attrs: Attributes) => AuthorizerDecision {
  const relation = (node: string, type: VertexType, attrs: Attributes): AuthorizerDecision => {
    if (!attrs.name) return noOpinion("No Object name found");
    if (graph.related(node, type, attrs.namespace, attrs.name)) return allow;
    return noOpinion(`no relationship found between node '${node}' and this object`);
  };
  const readNamespaced = (node: string, type: VertexType, attrs: Attributes): AuthorizerDecision => {
    if (attrs.verb !== "get" && attrs.verb !== "list" && attrs.verb !== "watch") return noOpinion("can only read resources of this type");
    if (attrs.subresource) return noOpinion("cannot read subresource");
    if (!attrs.namespace) return noOpinion("can only read namespaced object of this type");
    return relation(node, type, attrs);
  };
  const getOnly = (node: string, attrs: Attributes, check: () => AuthorizerDecision): AuthorizerDecision => {
    if (attrs.verb !== "get") return noOpinion("can only get individual resources of this type");
    if (attrs.subresource) return noOpinion("cannot get subresource");
    return check();
  };

  return (attrs) => {
    const node = nodeIdentity(attrs.user);
    if (node === undefined) return noOpinion();
    if (!node) return noOpinion(`unknown node for user "${attrs.user.username}"`);
    if (attrs.isResourceRequest) {
      const gr = `${attrs.apiGroup}/${attrs.resource}`;
      switch (gr) {
        case "/secrets": return readNamespaced(node, "secret", attrs);
        case "/configmaps": return readNamespaced(node, "configmap", attrs);
        case "/persistentvolumeclaims":
          if (attrs.subresource === "status") {
            if (attrs.verb !== "update" && attrs.verb !== "patch") return noOpinion("can only get/update/patch this type");
            return relation(node, "pvc", attrs);
          }
          return getOnly(node, attrs, () => relation(node, "pvc", attrs));
        case "/persistentvolumes":
          return getOnly(node, attrs, () => {
            if (!attrs.name) return noOpinion("No Object name found");
            return graph.relatedVolume(node, attrs.name) ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
          });
        case "/serviceaccounts":
          if (attrs.verb !== "create" || !attrs.name) return noOpinion("can only create tokens for individual service accounts");
          if (attrs.subresource !== "token") return noOpinion("can only create token subresource of serviceaccount");
          return relation(node, "serviceaccount", attrs);
        case "coordination.k8s.io/leases": {
          if (!["get", "create", "update", "patch", "delete"].includes(attrs.verb)) return noOpinion("can only get, create, update, patch, or delete a node lease");
          if (attrs.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
          if (attrs.verb !== "create" && attrs.name !== node) return noOpinion("can only access node lease with the same name as the requesting node");
          return allow;
        }
        case "storage.k8s.io/csinodes": {
          if (!["get", "create", "update", "patch", "delete"].includes(attrs.verb)) return noOpinion("can only get, create, update, patch, or delete a CSINode");
          if (attrs.subresource) return noOpinion("cannot authorize CSINode subresources");
          if (attrs.verb !== "create" && attrs.name !== node) return noOpinion("can only access CSINode with the same name as the requesting node");
          return allow;
        }
        case "/nodes": return authorizeNode(node, attrs);
        case "/pods": return authorizePod(node, attrs);
      }
    }
    return rulesAllow(attrs, nodeRules) ? allow : noOpinion();
  };

  function authorizeNode(node: string, attrs: Attributes): AuthorizerDecision {
    if (!attrs.subresource) {
      // Create/update/patch of any Node passes here; NodeRestriction admission limits it to the node's own.
      if (attrs.verb === "create" || attrs.verb === "update" || attrs.verb === "patch") return allow;
      if (attrs.verb === "get" || attrs.verb === "list" || attrs.verb === "watch") {
        if (attrs.name === node) return allow;
        if (!attrs.name) return noOpinion(`node '${node}' cannot read all nodes, only its own Node object`);
        return noOpinion(`node '${node}' cannot read '${attrs.name}', only its own Node object`);
      }
    } else if (attrs.subresource === "status" && (attrs.verb === "update" || attrs.verb === "patch")) {
      return allow;
    }
    return noOpinion();
  }

  function authorizePod(node: string, attrs: Attributes): AuthorizerDecision {
    switch (attrs.subresource) {
      case "":
        if (attrs.verb === "get") return getOnly(node, attrs, () => relation(node, "pod", attrs));
        if (attrs.verb === "list" || attrs.verb === "watch") {
          if (selectsField(attrs.fieldSelector, "spec.nodeName", node)) return allow;
          if (attrs.name) return relation(node, "pod", attrs);
          return noOpinion("can only list/watch pods with spec.nodeName field selector");
        }
        // Mirror pods; NodeRestriction admission limits them to the node's own.
        if (attrs.verb === "create" || attrs.verb === "delete") return allow;
        break;
      case "status":
        if (attrs.verb === "update" || attrs.verb === "patch") return allow;
        break;
      case "eviction":
        if (attrs.verb === "create") return allow;
        break;
    }
    return noOpinion();
  }
}
