/**
 * Service link environment variables (upstream kubelet getServiceEnvVarMap + envvars.FromServices):
 * for each Service with a cluster IP, `FOO_SERVICE_HOST`, `FOO_SERVICE_PORT`,
 * `FOO_SERVICE_PORT_<NAME>` per named port, and the Docker-link style `FOO_PORT`,
 * `FOO_PORT_80_TCP`, `FOO_PORT_80_TCP_PROTO|PORT|ADDR`.
 */
import type { KeyValue } from "../../cri/types.ts";
import type { Service } from "./types.ts";

/** The Services of `default` whose variables every pod gets, even with enableServiceLinks=false. */
const MASTER_SERVICES = new Set(["kubernetes"]);

const envName = (s: string) => s.replaceAll("-", "_").toUpperCase();
const hasClusterIP = (s: Service) => !!s.spec?.clusterIP && s.spec.clusterIP !== "None";
const joinHostPort = (ip: string, port: number) => (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);

/** The variables for these Services, in order (upstream FromServices). */
export function envFromServices(services: readonly Service[]): KeyValue[] {
  const out: KeyValue[] = [];
  for (const svc of services) {
    const ports = svc.spec?.ports ?? [];
    if (!hasClusterIP(svc) || ports.length === 0) continue;
    const ip = svc.spec!.clusterIP!;
    const prefix = envName(svc.metadata.name ?? "");
    out.push({ key: `${prefix}_SERVICE_HOST`, value: ip });
    out.push({ key: `${prefix}_SERVICE_PORT`, value: String(ports[0]!.port) });
    for (const p of ports) {
      if (p.name) out.push({ key: `${prefix}_SERVICE_PORT_${envName(p.name)}`, value: String(p.port) });
    }
    ports.forEach((p, i) => {
      const protocol = p.protocol || "TCP";
      const url = `${protocol.toLowerCase()}://${joinHostPort(ip, p.port)}`;
      if (i === 0) out.push({ key: `${prefix}_PORT`, value: url });
      const pp = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      out.push({ key: pp, value: url });
      out.push({ key: `${pp}_PROTO`, value: protocol.toLowerCase() });
      out.push({ key: `${pp}_PORT`, value: String(p.port) });
      out.push({ key: `${pp}_ADDR`, value: ip });
    });
  }
  return out;
}

/**
 * The service variables a pod in `namespace` sees, from all Services the kubelet knows: its own
 * namespace's when enableServiceLinks, plus `default/kubernetes` always (a same-named Service of the
 * pod's namespace wins). Services are taken in name order, so the output is stable.
 */
export function serviceLinkEnv(services: readonly Service[], namespace: string, enableServiceLinks: boolean, masterNamespace = "default"): KeyValue[] {
  const byName = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIP(svc)) continue;
    const name = svc.metadata.name ?? "";
    if (svc.metadata.namespace === masterNamespace && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, svc);
    } else if (svc.metadata.namespace === namespace && enableServiceLinks) {
      byName.set(name, svc);
    }
  }
  return envFromServices([...byName.keys()].sort().map((n) => byName.get(n)!));
}
