/**
 * The coredns-custom ConfigMap (kube-system), as K3s reads it: keys ending `.override` hold
 * directives for the main `.:53` server block, keys ending `.server` hold extra server blocks.
 * lite supports this subset and reports everything else as unsupported (ignored, never fatal):
 * - `hosts [ZONES...] { IP NAME... ; ttl N ; no_reverse ; fallthrough ; reload ... }`: extra
 *   records (in `.override`, or inside a server block, limited to its zones). Names not listed
 *   always fall through to the next resolver, as if `fallthrough` were given. No hosts files.
 * - `ZONE[:53] [ZONE...] { forward . IP[:PORT]... }`: forward those zones to those resolvers
 *   (plain DNS; the FROM argument must be "." or one of the block's zones).
 * Other keys (e.g. K3s' `NodeHosts`) and directives (errors, log, cache, ...) are listed in
 * `unsupported` with the key and line they came from.
 */
import { canonicalIP } from "../dns/ip.ts";
import { canonicalName, inZone } from "../dns/message.ts";
import { nameToLabels } from "../dns/name.ts";
import { parseUpstream, type Upstream } from "../forward/upstream.ts";
import type { HostEntry } from "../zone/hosts.ts";
import { parseCorefile, type Directive } from "./corefile.ts";

export interface ForwardZoneConfig {
  zone: string;
  upstreams: Upstream[];
}

export interface CustomConfig {
  hosts: HostEntry[];
  forwardZones: ForwardZoneConfig[];
  /** Human-readable notes on what was ignored: "key line N: directive X is not supported". */
  unsupported: string[];
}

/** CoreDNS' hosts default TTL. */
export const CUSTOM_HOSTS_TTL = 3600;

export function parseCustomConfig(data: Readonly<Record<string, string>> | undefined): CustomConfig {
  const out: CustomConfig = { hosts: [], forwardZones: [], unsupported: [] };
  for (const key of Object.keys(data ?? {}).sort()) {
    const text = data![key]!;
    if (key.endsWith(".override")) readOverride(key, text, out);
    else if (key.endsWith(".server")) readServers(key, text, out);
    else out.unsupported.push(`${key}: only keys ending in .override or .server are read`);
  }
  return out;
}

function readOverride(key: string, text: string, out: CustomConfig): void {
  const parsed = parseCorefile(text);
  for (const e of parsed.errors) out.unsupported.push(`${key}: ${e}`);
  for (const d of parsed.directives) {
    if (d.name === "hosts") readHosts(key, d, [""], out);
    else out.unsupported.push(`${key} line ${d.line}: directive "${d.name}" is not supported in .override (supported: hosts)`);
  }
}

function readServers(key: string, text: string, out: CustomConfig): void {
  const parsed = parseCorefile(text);
  for (const e of parsed.errors) out.unsupported.push(`${key}: ${e}`);
  for (const block of parsed.directives) {
    if (!block.block) {
      out.unsupported.push(`${key} line ${block.line}: "${block.name}" is not a server block (expected "ZONE:53 { ... }")`);
      continue;
    }
    const zones: string[] = [];
    for (const k of [block.name, ...block.args]) {
      const zone = serverZone(k);
      if (typeof zone === "string") zones.push(zone);
      else out.unsupported.push(`${key} line ${block.line}: server block "${k}": ${zone.error}`);
    }
    if (zones.length === 0) continue;
    for (const d of block.block) {
      if (d.name === "hosts") readHosts(key, d, zones, out);
      else if (d.name === "forward") readForward(key, d, zones, out);
      else out.unsupported.push(`${key} line ${d.line}: directive "${d.name}" is not supported (supported: forward, hosts)`);
    }
  }
}

/** "example.io:53" / "dns://example.io" / "example.io." -> "example.io"; other ports and the root are refused. */
function serverZone(text: string): string | { error: string } {
  let s = text;
  if (/^[a-z]+:\/\//i.test(s)) {
    if (!s.toLowerCase().startsWith("dns://")) return { error: "only dns:// server blocks are supported" };
    s = s.slice(6);
  }
  const m = /^(.*?)(?::(\d+))?$/.exec(s)!;
  if (m[2] !== undefined && m[2] !== "53") return { error: `port ${m[2]}: lite serves DNS on one port; use 53 (or none)` };
  const zone = canonicalName(m[1]!);
  if (zone === "") return { error: `the root zone "." is the main server block; use a .override key to add to it` };
  try {
    nameToLabels(zone);
  } catch (err) {
    return { error: (err as Error).message };
  }
  return zone;
}

function readForward(key: string, d: Directive, zones: string[], out: CustomConfig): void {
  const [from, ...to] = d.args;
  const fromZone = from === undefined ? undefined : canonicalName(from);
  if (fromZone === undefined || (fromZone !== "" && !zones.includes(fromZone))) {
    out.unsupported.push(`${key} line ${d.line}: forward's first argument must be "." or the block's zone`);
    return;
  }
  const upstreams: Upstream[] = [];
  for (const t of to) {
    const u = parseUpstream(t);
    if (typeof u === "string") out.unsupported.push(`${key} line ${d.line}: ${u}`);
    else upstreams.push(u);
  }
  for (const o of d.block ?? []) out.unsupported.push(`${key} line ${o.line}: forward option "${o.name}" is not supported`);
  if (upstreams.length === 0) {
    out.unsupported.push(`${key} line ${d.line}: forward without a usable upstream`);
    return;
  }
  for (const zone of fromZone === "" ? zones : [fromZone]) out.forwardZones.push({ zone, upstreams });
}

function readHosts(key: string, d: Directive, blockZones: string[], out: CustomConfig): void {
  let zones = blockZones;
  const args = [...d.args];
  if (args[0]?.includes("/")) out.unsupported.push(`${key} line ${d.line}: hosts file ${args.shift()} is not read (inline entries only)`);
  if (args.length) zones = args.map(canonicalName);
  let ttl = CUSTOM_HOSTS_TTL;
  let noReverse = false;
  const entries: { ip: string; names: string[]; line: number }[] = [];
  for (const e of d.block ?? []) {
    if (e.name === "fallthrough" || e.name === "reload") continue; // lite always falls through; entries reload with the ConfigMap
    if (e.name === "no_reverse") { noReverse = true; continue; }
    if (e.name === "ttl") {
      const n = Number(e.args[0]);
      if (Number.isInteger(n) && n >= 0 && n <= 0x7fffffff) ttl = n;
      else out.unsupported.push(`${key} line ${e.line}: bad hosts ttl ${JSON.stringify(e.args[0])}`);
      continue;
    }
    if (!canonicalIP(e.name)) {
      out.unsupported.push(`${key} line ${e.line}: hosts option or entry "${e.name}" is not supported (expected "IP NAME...", ttl, no_reverse, fallthrough)`);
      continue;
    }
    if (e.args.length === 0) out.unsupported.push(`${key} line ${e.line}: hosts entry ${e.name} has no names`);
    entries.push({ ip: e.name, names: e.args, line: e.line });
  }
  for (const e of entries) {
    for (const raw of e.names) {
      const name = canonicalName(raw);
      try {
        nameToLabels(name);
      } catch (err) {
        out.unsupported.push(`${key} line ${e.line}: ${(err as Error).message}`);
        continue;
      }
      if (!zones.some((z) => inZone(name, z))) {
        out.unsupported.push(`${key} line ${e.line}: ${name} is outside the block's zones (${zones.map((z) => z || ".").join(", ")})`);
        continue;
      }
      out.hosts.push({ name, ip: e.ip, ttl, ...(noReverse ? { noReverse } : {}) });
    }
  }
}
