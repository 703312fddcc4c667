/**
 * Default ClusterRoleBindings and kube-system Roles/RoleBindings (upstream bootstrappolicy, 1.32),
 * plus lite's own controller identity.
 */
import { group, rule, user, serviceAccount, type BindingDecl, type RoleDecl } from "./rules.ts";

/** lite's in-process controller manager identity (core/pki client-lite-controller). */
export const LITE_CONTROLLER_USER = "system:lite-controller";
/** Every node's network policy controller (core/netpol; K3s: its netpol controller as system:k3s-controller). */
export const NETWORK_POLICY_USER = "system:lite-network-policy";

export function clusterRoleBindings(): BindingDecl[] {
  const crb = (name: string, subjects: BindingDecl["subjects"], role = name): BindingDecl => ({ name, roleRef: { kind: "ClusterRole", name: role }, subjects });
  return [
    crb("cluster-admin", [group("system:masters")]),
    crb("system:monitoring", [group("system:monitoring")]),
    crb("system:discovery", [group("system:authenticated")]),
    crb("system:basic-user", [group("system:authenticated")]),
    crb("system:public-info-viewer", [group("system:authenticated"), group("system:unauthenticated")]),
    crb("system:node-proxier", [user("system:kube-proxy")]),
    crb("system:kube-controller-manager", [user("system:kube-controller-manager")]),
    crb("system:kube-dns", [serviceAccount("kube-system", "kube-dns")]),
    crb("system:kube-scheduler", [user("system:kube-scheduler")]),
    crb("system:volume-scheduler", [user("system:kube-scheduler")]),
    // Upstream keeps this binding without subjects: nodes are authorized by the node authorizer.
    crb("system:node", []),
    crb("system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
    // lite runs every controller in one process under one identity: it needs all of their powers.
    crb("system:lite-controller", [user(LITE_CONTROLLER_USER)], "cluster-admin"),
    crb("lite:network-policy", [user(NETWORK_POLICY_USER)]),
    // Embedded plugins act as system:lite-plugin:<id> (core/controllers/start.ts).
    crb("lite:plugin:flannel", [user("system:lite-plugin:flannel")]),
    crb("lite:plugin:local-storage", [user("system:lite-plugin:local-storage")]),
    crb("lite:plugin:metrics", [user("system:lite-plugin:metrics")]),
    crb("lite:plugin:coredns", [user("system:lite-plugin:coredns")]),
    crb("lite:plugin:traefik", [user("system:lite-plugin:traefik")]),
    crb("lite:plugin:servicelb", [user("system:lite-plugin:servicelb")]),
  ];
}

export function namespaceRoles(): RoleDecl[] {
  return [
    {
      name: "extension-apiserver-authentication-reader", namespace: "kube-system",
      rules: [rule(["get", "list", "watch"], [""], ["configmaps"], ["extension-apiserver-authentication"])],
    },
    {
      name: "system::leader-locking-kube-controller-manager", namespace: "kube-system",
      rules: [rule(["watch"], [""], ["configmaps"]), rule(["get", "update"], [""], ["configmaps"], ["kube-controller-manager"])],
    },
    {
      name: "system::leader-locking-kube-scheduler", namespace: "kube-system",
      rules: [rule(["watch"], [""], ["configmaps"]), rule(["get", "update"], [""], ["configmaps"], ["kube-scheduler"])],
    },
  ];
}

export function namespaceRoleBindings(): BindingDecl[] {
  return [
    {
      name: "system::extension-apiserver-authentication-reader", namespace: "kube-system",
      roleRef: { kind: "Role", name: "extension-apiserver-authentication-reader" },
      subjects: [user("system:kube-controller-manager"), user("system:kube-scheduler")],
    },
    {
      name: "system::leader-locking-kube-controller-manager", namespace: "kube-system",
      roleRef: { kind: "Role", name: "system::leader-locking-kube-controller-manager" },
      subjects: [user("system:kube-controller-manager"), serviceAccount("kube-system", "kube-controller-manager")],
    },
    {
      name: "system::leader-locking-kube-scheduler", namespace: "kube-system",
      roleRef: { kind: "Role", name: "system::leader-locking-kube-scheduler" },
      subjects: [user("system:kube-scheduler"), serviceAccount("kube-system", "kube-scheduler")],
    },
  ];
}
