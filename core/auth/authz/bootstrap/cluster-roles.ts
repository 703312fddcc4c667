/**
 * The default ClusterRoles (upstream bootstrappolicy ClusterRoles, Kubernetes 1.32), declared as
 * lite's own data. admin/edit/view are aggregated from the `system:aggregate-to-*` roles.
 */
import { EVENTS_WRITE, READ, READ_WRITE, WRITE, eventsRule, rule, urls, type ClusterRoleDecl } from "./rules.ts";

export const AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
export const AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
export const AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

/** The rules of system:node: the static part of the node authorizer. */
export function nodeRules() {
  return [
    rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
    rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews", "localsubjectaccessreviews"]),
    rule(READ, [""], ["services"]),
    rule(["create", "get", "list", "watch"], [""], ["nodes"]),
    rule(["update", "patch"], [""], ["nodes/status"]),
    rule(["update", "patch"], [""], ["nodes"]),
    rule(EVENTS_WRITE, [""], ["events"]),
    rule(READ, [""], ["pods"]),
    rule(["create", "delete"], [""], ["pods"]),
    rule(["update", "patch"], [""], ["pods/status"]),
    rule(["create"], [""], ["pods/eviction"]),
    rule(READ, [""], ["secrets", "configmaps"]),
    rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
    rule(["get"], [""], ["endpoints"]),
    rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
    rule(["get", "create", "update", "patch", "delete"], ["coordination.k8s.io"], ["leases"]),
    rule(["get"], ["storage.k8s.io"], ["volumeattachments"]),
    rule(["create"], [""], ["serviceaccounts/token"]),
    rule(["get", "update", "patch"], [""], ["persistentvolumeclaims/status"]),
    rule(READ, ["storage.k8s.io"], ["csidrivers"]),
    rule(["get", "create", "update", "patch", "delete"], ["storage.k8s.io"], ["csinodes"]),
    rule(READ, ["node.k8s.io"], ["runtimeclasses"]),
  ];
}

export function clusterRoles(): ClusterRoleDecl[] {
  return [
    { name: "cluster-admin", rules: [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])] },
    {
      name: "system:discovery",
      rules: [urls(["get"], ["/livez", "/readyz", "/healthz", "/version", "/version/", "/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"])],
    },
    { name: "system:monitoring", rules: [urls(["get"], ["/metrics", "/metrics/slis", "/livez", "/readyz", "/healthz", "/livez/*", "/readyz/*", "/healthz/*"])] },
    {
      name: "system:basic-user",
      rules: [
        rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
        rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
      ],
    },
    { name: "system:public-info-viewer", rules: [urls(["get"], ["/livez", "/readyz", "/healthz", "/version", "/version/"])] },
    { name: "admin", rules: [], aggregateFrom: [{ [AGGREGATE_TO_ADMIN]: "true" }] },
    { name: "edit", rules: [], labels: { [AGGREGATE_TO_ADMIN]: "true" }, aggregateFrom: [{ [AGGREGATE_TO_EDIT]: "true" }] },
    { name: "view", rules: [], labels: { [AGGREGATE_TO_EDIT]: "true" }, aggregateFrom: [{ [AGGREGATE_TO_VIEW]: "true" }] },
    {
      name: "system:aggregate-to-admin", labels: { [AGGREGATE_TO_ADMIN]: "true" },
      rules: [
        rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
        rule(READ_WRITE, ["rbac.authorization.k8s.io"], ["roles", "rolebindings"]),
      ],
    },
    {
      name: "system:aggregate-to-edit", labels: { [AGGREGATE_TO_EDIT]: "true" },
      rules: [
        rule(READ, [""], ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"]),
        rule(["impersonate"], [""], ["serviceaccounts"]),
        rule(WRITE, [""], ["pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]),
        rule(["create"], [""], ["pods/eviction"]),
        rule(WRITE, [""], ["replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/proxy",
          "persistentvolumeclaims", "configmaps", "secrets", "events"]),
        rule(["create"], [""], ["serviceaccounts/token"]),
        rule(WRITE, ["apps"], ["statefulsets", "statefulsets/scale", "daemonsets", "deployments", "deployments/scale", "deployments/rollback",
          "replicasets", "replicasets/scale"]),
        rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
        rule(WRITE, ["batch"], ["jobs", "cronjobs"]),
        rule(WRITE, ["extensions"], ["daemonsets", "deployments", "deployments/scale", "deployments/rollback", "ingresses", "replicasets",
          "replicasets/scale", "replicationcontrollers/scale", "networkpolicies"]),
        rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
        rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
        rule(READ_WRITE, ["coordination.k8s.io"], ["leases"]),
      ],
    },
    {
      name: "system:aggregate-to-view", labels: { [AGGREGATE_TO_VIEW]: "true" },
      rules: [
        rule(READ, [""], ["pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status",
          "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"]),
        rule(READ, [""], ["limitranges", "resourcequotas", "bindings", "events", "pods/status", "resourcequotas/status", "namespaces/status",
          "replicationcontrollers/status", "pods/log"]),
        rule(READ, [""], ["namespaces"]),
        rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
        rule(READ, ["apps"], ["controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale", "daemonsets", "daemonsets/status",
          "deployments", "deployments/status", "deployments/scale", "replicasets", "replicasets/status", "replicasets/scale"]),
        rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
        rule(READ, ["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"]),
        rule(READ, ["extensions"], ["daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "ingresses",
          "ingresses/status", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale", "networkpolicies"]),
        rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
        rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
      ],
    },
    { name: "system:heapster", rules: [rule(READ, [""], ["events", "pods", "nodes", "namespaces"]), rule(READ, ["extensions"], ["deployments"])] },
    { name: "system:node", rules: nodeRules() },
    // The network policy controller of every node (core/netpol): reads what the rules are made of.
    { name: "lite:network-policy", rules: [rule(READ, [""], ["pods", "namespaces"]), rule(READ, ["networking.k8s.io"], ["networkpolicies"])] },
    // The embedded flannel plugin's server half (pod CIDR allocation), as K3s' own controller role grants it.
    { name: "lite:plugin:flannel", rules: [rule(["get", "list", "watch", "patch"], [""], ["nodes"]), eventsRule()] },
    // The embedded local-storage plugin (local-path provisioner): owns the StorageClass "local-path"; creates PVs for
    // claims handed to rancher.io/local-path and, from the node half, deletes them once their directory is removed.
    {
      name: "lite:plugin:local-storage",
      rules: [
        rule(READ, [""], ["persistentvolumeclaims", "nodes"]),
        rule([...READ, "create", "delete"], [""], ["persistentvolumes"]),
        rule([...READ, "create", "update", "patch"], ["storage.k8s.io"], ["storageclasses"]),
        eventsRule(),
      ],
    },
    // The embedded metrics plugin (metrics-server): reads nodes and pods, scrapes each kubelet's Summary API through nodes/proxy.
    { name: "lite:plugin:metrics", rules: [rule(READ, [""], ["nodes", "pods", "namespaces"]), rule(["get"], [""], ["nodes/stats", "nodes/proxy", "nodes/metrics"]), eventsRule()] },
    // As metrics-server's manifests ship it: metrics.k8s.io readable by view/edit/admin holders.
    {
      name: "system:aggregated-metrics-reader",
      labels: { [AGGREGATE_TO_VIEW]: "true", [AGGREGATE_TO_EDIT]: "true", [AGGREGATE_TO_ADMIN]: "true" },
      rules: [rule(["get", "list", "watch"], ["metrics.k8s.io"], ["pods", "nodes"])],
    },
    // The embedded coredns plugin: reads what DNS answers from; writes only the kube-dns Service and its per-node EndpointSlices.
    {
      name: "lite:plugin:coredns",
      rules: [
        rule(READ, [""], ["services", "nodes", "configmaps", "namespaces"]),
        rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
        rule(["create", "update", "patch", "delete"], [""], ["services"]),
        rule(["create", "update", "patch", "delete"], ["discovery.k8s.io"], ["endpointslices"]),
        eventsRule(),
      ],
    },
    // The embedded traefik plugin (Ingress controller): reads Ingresses and their backends and TLS Secrets,
    // writes Ingress status, and owns the IngressClass "traefik"; installs Traefik's IngressRoute and
    // Middleware CRDs and reads those objects.
    {
      name: "lite:plugin:traefik",
      rules: [
        rule(READ, ["networking.k8s.io"], ["ingresses", "ingressclasses"]),
        rule([...READ, "create"], ["apiextensions.k8s.io"], ["customresourcedefinitions"]),
        rule(READ, ["traefik.io"], ["ingressroutes", "middlewares"]),
        rule(["update", "patch"], ["networking.k8s.io"], ["ingresses/status"]),
        rule(["create", "update", "patch", "delete"], ["networking.k8s.io"], ["ingressclasses"]),
        rule(READ, [""], ["services", "secrets", "nodes"]),
        rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
        eventsRule(),
      ],
    },
    // The embedded servicelb plugin: LoadBalancer Service status from node addresses; the node half
    // publishes the node's taken ports in a Node annotation.
    {
      name: "lite:plugin:servicelb",
      rules: [
        rule(READ, [""], ["services", "nodes"]),
        rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
        rule(["update", "patch"], [""], ["services/status"]),
        rule(["patch"], [""], ["nodes"]),
        eventsRule(),
      ],
    },
    {
      name: "system:node-problem-detector",
      rules: [rule(["get"], [""], ["nodes"]), rule(["patch"], [""], ["nodes/status"]), eventsRule()],
    },
    {
      name: "system:kubelet-api-admin",
      rules: [rule(READ, [""], ["nodes"]), rule(["proxy"], [""], ["nodes"]), rule(["*"], [""], ["nodes/proxy", "nodes/metrics", "nodes/stats", "nodes/log"])],
    },
    { name: "system:node-bootstrapper", rules: [rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"])] },
    { name: "system:auth-delegator", rules: [rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]), rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"])] },
    { name: "system:kube-aggregator", rules: [rule(READ, [""], ["services", "endpoints"])] },
    {
      name: "system:kube-controller-manager",
      rules: [
        eventsRule(),
        rule(["create"], ["coordination.k8s.io"], ["leases"]),
        rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-controller-manager"]),
        rule(["create"], [""], ["secrets", "serviceaccounts"]),
        rule(["delete"], [""], ["secrets"]),
        rule(["get"], [""], ["namespaces", "secrets", "serviceaccounts", "configmaps"]),
        rule(["update"], [""], ["secrets", "serviceaccounts"]),
        rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
        rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
        rule(["list", "watch"], ["*"], ["*"]),
        rule(["create"], [""], ["serviceaccounts/token"]),
      ],
    },
    {
      name: "system:kube-dns",
      rules: [rule(["list", "watch"], [""], ["endpoints", "services"])],
    },
    {
      name: "system:persistent-volume-provisioner",
      rules: [
        rule(["get", "list", "watch", "create", "delete"], [""], ["persistentvolumes"]),
        rule(["get", "list", "watch", "update"], [""], ["persistentvolumeclaims"]),
        rule(READ, ["storage.k8s.io"], ["storageclasses"]),
        rule(["watch"], [""], ["events"]),
        eventsRule(),
      ],
    },
    {
      name: "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
      rules: [rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/nodeclient"])],
    },
    {
      name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
      rules: [rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/selfnodeclient"])],
    },
    { name: "system:volume-scheduler", rules: [
      rule(["get", "list", "watch", "patch", "update"], [""], ["persistentvolumes"]),
      rule(READ, ["storage.k8s.io"], ["storageclasses"]),
      rule(["get", "list", "watch", "patch", "update"], [""], ["persistentvolumeclaims"]),
    ] },
    ...["kube-apiserver-client", "kube-apiserver-client-kubelet", "kubelet-serving", "legacy-unknown"].map((signer) => ({
      name: `system:certificates.k8s.io:${signer}-approver`,
      rules: [rule(["approve"], ["certificates.k8s.io"], ["signers"], [`kubernetes.io/${signer}`])],
    })),
    { name: "system:service-account-issuer-discovery", rules: [urls(["get"], ["/.well-known/openid-configuration", "/openid/v1/jwks"])] },
    {
      name: "system:node-proxier",
      rules: [
        rule(["list", "watch"], [""], ["services", "endpoints"]),
        rule(READ, [""], ["nodes"]),
        eventsRule(),
        rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
      ],
    },
    {
      name: "system:kube-scheduler",
      rules: [
        eventsRule(),
        rule(["create"], ["coordination.k8s.io"], ["leases"]),
        rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-scheduler"]),
        rule(READ, [""], ["nodes"]),
        rule(["get", "list", "watch", "delete"], [""], ["pods"]),
        rule(["create"], [""], ["pods/binding", "bindings"]),
        rule(["patch", "update"], [""], ["pods/status"]),
        rule(READ, [""], ["replicationcontrollers", "services"]),
        rule(READ, ["apps", "extensions"], ["replicasets"]),
        rule(READ, ["apps"], ["statefulsets"]),
        rule(READ, ["policy"], ["poddisruptionbudgets"]),
        rule(READ, [""], ["persistentvolumeclaims", "persistentvolumes"]),
        rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
        rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
        rule(READ, ["storage.k8s.io"], ["csinodes"]),
        rule(READ, [""], ["namespaces"]),
        rule(READ, ["storage.k8s.io"], ["csidrivers"]),
        rule(READ, ["storage.k8s.io"], ["csistoragecapacities"]),
        // lite: no Priority admission plugin resolves spec.priority yet, so the scheduler reads PriorityClasses itself.
        rule(READ, ["scheduling.k8s.io"], ["priorityclasses"]),
      ],
    },
  ];
}
