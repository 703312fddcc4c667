/** Address and CIDR parsing for flags and config. Pure functions, no dependencies. */

export function isIPv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIPv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  let parts = halves.flatMap(groups);
  let width = parts.length;
  const last = parts[parts.length - 1];
  if (last !== undefined && last.includes(".")) {
    if (!isIPv4(last)) return false;
    parts = parts.slice(0, -1);
    width += 1; // an embedded IPv4 address fills two groups
  }
  if (!parts.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? width <= 7 : width === 8;
}

export function isIP(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/** Parses "10.42.0.0/16" or "fd00::/56"; undefined if malformed. */
export function parseCIDR(text: string): { ip: string; prefix: number; family: 4 | 6 } | undefined {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return undefined;
  const ip = match[1]!;
  const prefix = Number(match[2]);
  if (isIPv4(ip) && prefix <= 32) return { ip, prefix, family: 4 };
  if (isIPv6(ip) && prefix <= 128) return { ip, prefix, family: 6 };
  return undefined;
}

