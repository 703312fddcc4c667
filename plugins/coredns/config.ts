/** The plugin's configuration (`plugin-config.coredns` in the config file). */
import { v } from "@lite/sdk";
import { canonicalIP } from "./dns/ip.ts";
import { parseUpstream } from "./forward/upstream.ts";

export const configSchema = v.object({
  /** Upstream resolvers ("ip" or "ip:port", "[v6]:port"); default: the nameservers of `resolvConf`. */
  upstreams: v.optional(v.array(v.pipe(v.string(), v.check((s) => typeof parseUpstream(s) !== "string", "must be an IP address with an optional port, e.g. 1.1.1.1 or 10.0.0.2:5353")))),
  /** Port of the DNS server on every node (UDP and TCP); 0: OS-assigned (tests). */
  port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)), 53),
  /** Address the DNS server binds; default: the node IP. */
  bindAddress: v.optional(v.pipe(v.string(), v.check((s) => canonicalIP(s) !== undefined, "must be an IP address"))),
  /** Longest time a forwarded answer (positive or negative) is cached; 0 disables the cache. */
  cacheSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(86400)), 30),
  /** Where default upstreams are read from. */
  resolvConf: v.optional(v.string(), "/etc/resolv.conf"),
});

export type CorednsConfig = v.InferOutput<typeof configSchema>;
