/** Services: defaults and validation (IP and NodePort allocation happen in allocators/, at admission). */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import type { Strategy } from "../types.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

const TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

export const serviceStrategy: Strategy = {
  defaults(obj) {
    const spec: Json = (obj.spec ??= {});
    spec.type ??= "ClusterIP";
    if (spec.type === "ExternalName") return;
    spec.sessionAffinity ??= "None";
    for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
      p.protocol ??= "TCP";
      if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === "") p.targetPort = p.port;
    }
    spec.internalTrafficPolicy ??= "Cluster";
    if ((spec.type === "NodePort" || spec.type === "LoadBalancer")) spec.externalTrafficPolicy ??= "Cluster";
    if (spec.type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
    if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
  },
  prepareForCreate(obj) {
    obj.status = { loadBalancer: {} };
  },
  validate(obj) {
    return validateService(obj.spec ?? {});
  },
  validateUpdate(obj, old) {
    const errs = validateService(obj.spec ?? {});
    const oldIP = old.spec?.clusterIP;
    if (oldIP && obj.spec?.type !== "ExternalName" && old.spec?.type !== "ExternalName" && obj.spec?.clusterIP !== oldIP) {
      errs.push(fieldErrors.invalid("spec.clusterIPs[0]", obj.spec?.clusterIP ?? "", "may not change once set"));
    }
    return errs;
  },
  selectableFields(obj) {
    return { "spec.clusterIP": obj.spec?.clusterIP ?? "", "spec.type": obj.spec?.type ?? "" };
  },
};

function validateService(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  if (!TYPES.includes(spec.type)) errs.push(fieldErrors.notSupported("spec.type", spec.type, TYPES));
  if (spec.type === "ExternalName") {
    if (!spec.externalName) errs.push(fieldErrors.required("spec.externalName", ""));
    return errs;
  }
  const ports: Json[] = Array.isArray(spec.ports) ? spec.ports : [];
  if (ports.length === 0 && spec.clusterIP !== "None") errs.push(fieldErrors.required("spec.ports", ""));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) errs.push(fieldErrors.required(`${path}.name`, ""));
    if (p.name) {
      if (names.has(p.name)) errs.push(fieldErrors.duplicate(`${path}.name`, p.name));
      names.add(p.name);
    }
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) errs.push(fieldErrors.invalid(`${path}.port`, p.port ?? 0, "must be between 1 and 65535, inclusive"));
    if (!["TCP", "UDP", "SCTP"].includes(p.protocol)) errs.push(fieldErrors.notSupported(`${path}.protocol`, p.protocol, ["SCTP", "TCP", "UDP"]));
    if (p.nodePort !== undefined && spec.type === "ClusterIP") errs.push(fieldErrors.forbidden(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
  });
  return errs;
}
