/**
 * `system:controller:*` ClusterRoles and their bindings to the controllers' service accounts in
 * kube-system (upstream bootstrappolicy controller_policy.go, 1.32), for the controllers lite
 * runs. lite's own controller process authenticates as `system:lite-controller` (see bindings).
 */
import { eventsRule, READ, rule, serviceAccount, type BindingDecl, type ClusterRoleDecl } from "./rules.ts";

const PREFIX = "system:controller:";

export function controllerRoles(): ClusterRoleDecl[] {
  const roles: Record<string, ClusterRoleDecl["rules"]> = {
    "clusterrole-aggregation-controller": [rule(["escalate", "get", "list", "watch", "update", "patch"], ["rbac.authorization.k8s.io"], ["clusterroles"])],
    "cronjob-controller": [
      rule(["get", "list", "watch", "update"], ["batch"], ["cronjobs"]),
      rule(["get", "list", "watch", "create", "update", "delete", "patch"], ["batch"], ["jobs"]),
      rule(["update"], ["batch"], ["cronjobs/status"]),
      rule(["update"], ["batch"], ["cronjobs/finalizers"]),
      rule(["list", "delete"], [""], ["pods"]),
      eventsRule(),
    ],
    "daemon-set-controller": [
      rule(READ, ["apps", "extensions"], ["daemonsets"]),
      rule(["update"], ["apps", "extensions"], ["daemonsets/status"]),
      rule(["update"], ["apps", "extensions"], ["daemonsets/finalizers"]),
      rule(["list", "watch"], [""], ["nodes"]),
      rule(["list", "watch", "create", "delete", "patch"], [""], ["pods"]),
      rule(["create"], [""], ["pods/binding"]),
      rule(["get", "list", "watch", "create", "delete", "update", "patch"], ["apps"], ["controllerrevisions"]),
      eventsRule(),
    ],
    "deployment-controller": [
      rule(["get", "list", "watch", "update"], ["apps", "extensions"], ["deployments"]),
      rule(["update"], ["apps", "extensions"], ["deployments/status"]),
      rule(["update"], ["apps", "extensions"], ["deployments/finalizers"]),
      rule(["get", "list", "watch", "create", "update", "patch", "delete"], ["apps", "extensions"], ["replicasets"]),
      rule(["get", "list", "watch", "update"], [""], ["pods"]),
      eventsRule(),
    ],
    "endpoint-controller": [
      rule(READ, [""], ["services", "pods"]),
      rule(["get", "list", "create", "update", "delete"], [""], ["endpoints"]),
      rule(["create"], [""], ["endpoints/restricted"]),
      eventsRule(),
    ],
    "endpointslice-controller": [
      rule(READ, [""], ["services", "pods", "nodes"]),
      rule(["update"], [""], ["services/finalizers"]),
      rule(["create", "update", "delete"], ["discovery.k8s.io"], ["endpointslices"]),
      eventsRule(),
    ],
    "generic-garbage-collector": [rule(["get", "list", "watch", "patch", "update", "delete"], ["*"], ["*"]), eventsRule()],
    "job-controller": [
      rule(["get", "list", "watch", "update", "patch"], ["batch"], ["jobs"]),
      rule(["update"], ["batch"], ["jobs/status"]),
      rule(["update"], ["batch"], ["jobs/finalizers"]),
      rule(["list", "watch", "create", "delete", "patch"], [""], ["pods"]),
      eventsRule(),
    ],
    "namespace-controller": [
      rule(["get", "list", "watch", "delete"], [""], ["namespaces"]),
      rule(["update"], [""], ["namespaces/finalize", "namespaces/status"]),
      rule(["get", "list", "delete", "deletecollection"], ["*"], ["*"]),
    ],
    "node-controller": [
      rule(["get", "list", "update", "delete", "patch"], [""], ["nodes"]),
      rule(["patch", "update"], [""], ["nodes/status"]),
      rule(["update"], [""], ["pods/status"]),
      rule(["list", "delete"], [""], ["pods"]),
      eventsRule(),
    ],
    "pod-garbage-collector": [rule(["list", "watch", "delete"], [""], ["pods"]), rule(["get", "list"], [""], ["nodes"]), rule(["patch"], [""], ["pods/status"])],
    "replicaset-controller": [
      rule(["get", "list", "watch", "update"], ["apps", "extensions"], ["replicasets"]),
      rule(["update"], ["apps", "extensions"], ["replicasets/status"]),
      rule(["update"], ["apps", "extensions"], ["replicasets/finalizers"]),
      rule(["list", "watch", "patch", "create", "delete"], [""], ["pods"]),
      eventsRule(),
    ],
    "root-ca-cert-publisher": [rule(["create", "update"], [""], ["configmaps"]), eventsRule()],
    "service-account-controller": [rule(["create"], [""], ["serviceaccounts"]), eventsRule()],
    "statefulset-controller": [
      rule(["list", "watch"], [""], ["pods"]),
      rule(["get", "list", "watch"], ["apps"], ["statefulsets"]),
      rule(["update"], ["apps"], ["statefulsets/status"]),
      rule(["update"], ["apps"], ["statefulsets/finalizers"]),
      rule(["get", "create", "delete", "update", "patch"], [""], ["pods"]),
      rule(["get", "create", "delete", "update", "patch", "list", "watch"], ["apps"], ["controllerrevisions"]),
      rule(["get", "create"], [""], ["persistentvolumeclaims"]),
      eventsRule(),
    ],
    "ttl-after-finished-controller": [rule(["get", "list", "watch", "delete"], ["batch"], ["jobs"]), eventsRule()],
    "certificate-controller": [
      rule(["get", "list", "watch", "delete"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
      rule(["update"], ["certificates.k8s.io"], ["certificatesigningrequests/status", "certificatesigningrequests/approval"]),
      rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet"]),
      rule(["sign"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet",
        "kubernetes.io/kubelet-serving", "kubernetes.io/legacy-unknown"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
      eventsRule(),
    ],
    "pvc-protection-controller": [rule(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]), rule(["list", "watch", "get"], [""], ["pods"]), eventsRule()],
    "pv-protection-controller": [rule(["get", "list", "watch", "update"], [""], ["persistentvolumes"]), eventsRule()],
  };
  return Object.entries(roles).map(([name, rules]) => ({ name: PREFIX + name, rules }));
}

export function controllerRoleBindings(): BindingDecl[] {
  return controllerRoles().map((r) => ({
    name: r.name,
    roleRef: { kind: "ClusterRole", name: r.name },
    subjects: [serviceAccount("kube-system", r.name.slice(PREFIX.length))],
  }));
}
