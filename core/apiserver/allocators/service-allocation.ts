/**
 * Admission plugin that gives Services their ClusterIP(s) and NodePorts, validates requested
 * ones against the ranges, releases them when a write is aborted (or dry-run) and when a
 * Service is deleted or stops needing them.
 */
import type { AdmissionAttributes, AdmissionPlugin } from "../admission/types.ts";
import { apiErrors, fieldErrors, type FieldError } from "../errors/index.ts";
import type { KObject } from "../resources/index.ts";
import { AlreadyAllocatedError, ClusterIPAllocator, NotInRangeError, RangeFullError } from "./cluster-ip.ts";
import { NodePortAllocator } from "./node-port.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

interface Reservation { ips: string[]; ports: number[] }

function isService(attrs: { def: { group: string; resource: string } }): boolean {
  return attrs.def.group === "" && attrs.def.resource === "services";
}

function ipsOf(obj: KObject | undefined): string[] {
  const spec: Json = obj?.spec ?? {};
  if (spec.type === "ExternalName") return [];
  return (spec.clusterIPs ?? (spec.clusterIP ? [spec.clusterIP] : [])).filter((ip: string) => ip && ip !== "None");
}

function portsOf(obj: KObject | undefined): number[] {
  const spec: Json = obj?.spec ?? {};
  return (spec.ports ?? []).map((p: Json) => p.nodePort).filter((n: unknown): n is number => typeof n === "number" && n > 0);
}

function needsNodePorts(spec: Json): boolean {
  return spec.type === "NodePort" || (spec.type === "LoadBalancer" && spec.allocateLoadBalancerNodePorts !== false);
}

export function serviceAllocationPlugin(ips: ClusterIPAllocator, ports: NodePortAllocator): AdmissionPlugin {
  const reservations = new WeakMap<AdmissionAttributes, Reservation>();

  const releaseAll = (r: Reservation | undefined) => {
    for (const ip of r?.ips ?? []) ips.release(ip);
    for (const p of r?.ports ?? []) ports.release(p);
  };

  return {
    name: "ServiceAllocation",
    admit(attrs) {
      if (!isService(attrs) || attrs.subresource || !attrs.object || (attrs.operation !== "CREATE" && attrs.operation !== "UPDATE")) return;
      const obj = attrs.object;
      const spec: Json = (obj.spec ??= {});
      const old: Json = attrs.oldObject?.spec ?? {};
      const heldIPs = new Set(ipsOf(attrs.oldObject));
      const heldPorts = new Set(portsOf(attrs.oldObject));
      const r: Reservation = { ips: [], ports: [] };
      reservations.set(attrs, r);
      const errs: FieldError[] = [];
      const name = obj.metadata.name ?? "";
      try {
        if (spec.type === "ExternalName") {
          delete spec.clusterIP; delete spec.clusterIPs;
        } else if (spec.clusterIP !== "None") {
          const requested: string | undefined = spec.clusterIP || spec.clusterIPs?.[0] || old.clusterIP || undefined;
          if (requested && heldIPs.has(requested)) {
            spec.clusterIP = requested;
          } else if (requested) {
            try { ips.allocate(requested); r.ips.push(requested); spec.clusterIP = requested; } catch (e) {
              if (e instanceof NotInRangeError) errs.push(fieldErrors.invalid("spec.clusterIPs[0]", requested, `provided IP is not in the valid range. The range of valid IPs is ${ips.range.cidr}`));
              else if (e instanceof AlreadyAllocatedError) errs.push(fieldErrors.invalid("spec.clusterIPs[0]", requested, "provided IP is already allocated"));
              else throw e;
            }
          } else {
            const ip = ips.allocateNext();
            r.ips.push(ip);
            spec.clusterIP = ip;
          }
          spec.clusterIPs = [spec.clusterIP];
          spec.ipFamilies ??= ["IPv4"];
          spec.ipFamilyPolicy ??= "SingleStack";
        } else {
          spec.clusterIPs = ["None"];
          spec.ipFamilies ??= ["IPv4"];
          spec.ipFamilyPolicy ??= "SingleStack";
        }
        const wantPorts = needsNodePorts(spec);
        (spec.ports ?? []).forEach((p: Json, i: number) => {
          if (!wantPorts) { delete p.nodePort; return; }
          const prevPort = (old.ports ?? []).find((o: Json) => o.port === p.port && o.protocol === p.protocol)?.nodePort;
          const want: number | undefined = p.nodePort || (heldPorts.has(prevPort) ? prevPort : undefined);
          if (want && heldPorts.has(want)) { p.nodePort = want; return; }
          if (want) {
            try { ports.allocate(want); r.ports.push(want); p.nodePort = want; } catch (e) {
              if (e instanceof NotInRangeError) errs.push(fieldErrors.invalid(`spec.ports[${i}].nodePort`, want, `provided port is not in the valid range. The range of valid ports is ${ports.min}-${ports.max}`));
              else if (e instanceof AlreadyAllocatedError) errs.push(fieldErrors.invalid(`spec.ports[${i}].nodePort`, want, "provided port is already allocated"));
              else throw e;
            }
            return;
          }
          const n = ports.allocateNext();
          r.ports.push(n);
          p.nodePort = n;
        });
      } catch (e) {
        releaseAll(r);
        if (e instanceof RangeFullError) throw apiErrors.internal(new Error(`failed to allocate a serviceIP: range is full`));
        throw e;
      }
      if (errs.length > 0) {
        releaseAll(r);
        reservations.delete(attrs);
        throw apiErrors.invalid("", "Service", name, errs);
      }
    },
    committed(attrs, stored) {
      if (!isService(attrs) || attrs.operation !== "UPDATE" || !attrs.oldObject) return;
      const nowIPs = new Set(ipsOf(stored));
      const nowPorts = new Set(portsOf(stored));
      for (const ip of ipsOf(attrs.oldObject)) if (!nowIPs.has(ip)) ips.release(ip);
      for (const p of portsOf(attrs.oldObject)) if (!nowPorts.has(p)) ports.release(p);
    },
    aborted(attrs) {
      releaseAll(reservations.get(attrs));
      reservations.delete(attrs);
    },
    deleted(def, obj) {
      if (!isService({ def })) return;
      for (const ip of ipsOf(obj)) ips.release(ip);
      for (const p of portsOf(obj)) ports.release(p);
    },
  };
}

/** Rebuild the used sets from stored Services. */
export function markServiceAllocations(services: readonly KObject[], ipAlloc: ClusterIPAllocator, portAlloc: NodePortAllocator): void {
  for (const s of services) {
    for (const ip of ipsOf(s)) ipAlloc.markUsed(ip);
    for (const p of portsOf(s)) portAlloc.markUsed(p);
  }
}
