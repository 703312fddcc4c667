/** Printers for Services, Nodes, Namespaces, Events, ConfigMaps, Secrets and the default table (printers.go). */
import { AGE_COLUMN, NAME_COLUMN, age, col, mapSelectorText, since, type Json } from "./cells.ts";
import type { TablePrinter } from "./types.ts";

function serviceExternalIP(svc: Json): string {
  const spec: Json = svc.spec ?? {};
  const external: string[] = spec.externalIPs ?? [];
  switch (spec.type) {
    case "ClusterIP":
    case "NodePort":
      return external.length ? external.join(",") : "<none>";
    case "ExternalName":
      return spec.externalName ?? "<none>";
    case "LoadBalancer": {
      const ingress: Json[] = svc.status?.loadBalancer?.ingress ?? [];
      const ips = [...ingress.map((i) => i.ip || i.hostname).filter(Boolean), ...external];
      return ips.length ? ips.join(",") : "<pending>";
    }
  }
  return "<unknown>";
}

function servicePorts(spec: Json): string {
  const ports: Json[] = spec.ports ?? [];
  if (ports.length === 0) return "<none>";
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`)).join(",");
}

export const servicePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Type", "string", 0, "type determines how the Service is exposed."),
    col("Cluster-IP", "string", 0, "clusterIP is the IP address of the service and is usually assigned randomly."),
    col("External-IP", "string", 0, "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
    col("Port(s)", "string", 0, "The list of ports that are exposed by this service."),
    AGE_COLUMN,
    col("Selector", "string", 1, "Route service traffic to pods with label keys and values matching this selector."),
  ],
  cells(svc, now) {
    const spec: Json = svc.spec ?? {};
    return [
      svc.metadata.name ?? "", spec.type ?? "", spec.clusterIP || "<none>", serviceExternalIP(svc), servicePorts(spec), age(svc, now),
      mapSelectorText(spec.selector),
    ];
  },
};

function nodeAddress(node: Json, type: string): string {
  return (node.status?.addresses ?? []).find((a: Json) => a.type === type)?.address ?? "<none>";
}

export const nodePrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col("Status", "string", 0, "The status of the node"),
    col("Roles", "string", 0, "The roles of the node"),
    AGE_COLUMN,
    col("Version", "string", 0, "Kubelet Version reported by the node."),
    col("Internal-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available."),
    col("External-IP", "string", 1, "List of addresses reachable to the node. Queried from cloud provider, if available."),
    col("OS-Image", "string", 1, "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
    col("Kernel-Version", "string", 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    col("Container-Runtime", "string", 1, "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."),
  ],
  cells(node, now) {
    const ready = (node.status?.conditions ?? []).find((c: Json) => c.type === "Ready");
    // Upstream printNode: Ready=True → Ready, any other status (False, Unknown) → NotReady, no Ready condition → Unknown.
    const statuses = [!ready ? "Unknown" : ready.status === "True" ? "Ready" : "NotReady"];
    if (node.spec?.unschedulable) statuses.push("SchedulingDisabled");
    const roles = new Set<string>();
    for (const [k, v] of Object.entries((node.metadata.labels ?? {}) as Record<string, string>)) {
      if (k.startsWith("node-role.kubernetes.io/")) { const r = k.slice("node-role.kubernetes.io/".length); if (r) roles.add(r); }
      else if (k === "kubernetes.io/role" && v) roles.add(v);
    }
    const info: Json = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name ?? "", statuses.join(","), roles.size ? [...roles].sort().join(",") : "<none>", age(node, now), info.kubeletVersion ?? "",
      nodeAddress(node, "InternalIP"), nodeAddress(node, "ExternalIP"), info.osImage || "<unknown>", info.kernelVersion || "<unknown>", info.containerRuntimeVersion || "<unknown>",
    ];
  },
};

export const namespacePrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Status", "string", 0, "The status of the namespace"), AGE_COLUMN],
  cells: (ns, now) => [ns.metadata.name ?? "", ns.status?.phase ?? "", age(ns, now)],
};

export const eventPrinter: TablePrinter = {
  columns: [
    col("Last Seen", "string", 0, "Time when last this event was observed."),
    col("Type", "string", 0, "Type of this event (Normal, Warning), new types could be added in the future."),
    col("Reason", "string", 0, "This should be a short, machine understandable string that gives the reason for this event being generated."),
    col("Object", "string", 0, "The object that this event is about."),
    col("Message", "string", 0, "A human-readable description of the status of this operation."),
    col("Subobject", "string", 1, "The subobject that this event is about."),
    col("Source", "string", 1, "The component reporting this event."),
    col("First Seen", "string", 1, "The time at which the event was first recorded."),
    col("Count", "string", 1, "The number of times this event has occurred."),
    col("Name", "string", 1, "Name must be unique within a namespace.", "name"),
  ],
  cells(ev, now) {
    const io: Json = ev.involvedObject ?? {};
    const last = ev.series?.lastObservedTime ?? ev.lastTimestamp ?? ev.eventTime;
    const first = ev.firstTimestamp ?? ev.eventTime;
    const src: Json = ev.source ?? {};
    const source = ev.reportingComponent || [src.component, src.host].filter(Boolean).join(", ") || "";
    const count = ev.series ? ev.series.count : ev.count ?? 1;
    return [
      since(last, now), ev.type ?? "", ev.reason ?? "", `${String(io.kind ?? "").toLowerCase()}/${io.name ?? ""}`, String(ev.message ?? "").trim(),
      io.fieldPath ?? "", source, since(first, now), String(count), ev.metadata.name ?? "",
    ];
  },
};

export const configMapPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Data", "integer", 0, "Data contains the configuration data."), AGE_COLUMN],
  cells: (cm, now) => [cm.metadata.name ?? "", Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(cm, now)],
};

export const secretPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Type", "string", 0, "Used to facilitate programmatic handling of secret data."), col("Data", "integer", 0, "Data contains the secret data."), AGE_COLUMN],
  cells: (s, now) => [s.metadata.name ?? "", s.type ?? "", Object.keys(s.data ?? {}).length, age(s, now)],
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Secrets", "integer", 0, "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), AGE_COLUMN],
  cells: (sa, now) => [sa.metadata.name ?? "", (sa.secrets ?? []).length, age(sa, now)],
};

/** upstream DefaultTableConvertor: Name and Created At. */
export const defaultPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col("Created At", "date", 0, "CreationTimestamp is a timestamp representing the server time when this object was created.")],
  cells: (obj) => [obj.metadata.name ?? "", obj.metadata.creationTimestamp ?? null],
};
