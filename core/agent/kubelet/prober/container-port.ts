/**
 * A probe's or hook's `port` (a number, or the name of one of the container's ports) as a port
 * number, as upstream's probe.ResolveContainerPort: a name that matches no port is tried as a
 * number written as a string. Throws with upstream's messages.
 */
import type { ContainerSpec } from "../pod-types.ts";

export function resolveContainerPort(port: number | string, container: ContainerSpec): number {
  let n: number;
  if (typeof port === "number") n = port;
  else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^[+-]?\d+$/.test(port)) n = Number(port);
    else throw new Error(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  }
  if (n > 0 && n < 65536) return n;
  throw new Error(`invalid port number: ${n}`);
}

/** host:port as Go's net.JoinHostPort (IPv6 literals in brackets). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
