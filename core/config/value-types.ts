import * as v from "valibot";
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "../apiserver/machinery/label-validation.ts";
import { isIP, parseCIDR } from "./net.ts";

/**
 * The kinds of value a flag or config key can hold. Each has a valibot schema for the typed value
 * (what a YAML config file gives) and a decoder from text (what argv and the environment give).
 * The schema's message says what is expected; callers prefix the flag or key name and what was given.
 */
export interface ValueType {
  /** Short description of what is expected, used in errors and --help. */
  readonly expected: string;
  readonly schema: v.GenericSchema;
  /** Turns one command-line/env string into the typed value (before schema validation). */
  decode(text: string): unknown;
  /** True when several occurrences accumulate (and comma-separated text splits). */
  readonly list?: boolean;
}

const fromText = (text: string) => text;

function stringType(expected: string, check?: (s: string) => boolean): ValueType {
  const base = v.string(expected);
  return {
    expected,
    schema: check ? v.pipe(base, v.check(check, expected)) : base,
    decode: fromText,
  };
}

export function listOf(item: ValueType, expected = `a list of ${item.expected}`): ValueType {
  return {
    expected,
    list: true,
    schema: v.pipe(
      v.union([v.array(v.string()), v.string()], expected),
      v.transform((x) => (Array.isArray(x) ? x : splitList(x))),
      v.array(item.schema as v.GenericSchema<string, string>, expected),
    ),
    decode: splitList,
  };
}

/** "a,b, c" → ["a","b","c"]; empty pieces are dropped. */
export function splitList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

// Label keys/values and DNS names follow the API server's own rules (apimachinery validation).
const isDNSSubdomain = (s: string) => isDNS1123Subdomain(s).length === 0;
const isLabelKey = (s: string) => isQualifiedName(s).length === 0;
const isLabelValue = (s: string) => isValidLabelValue(s).length === 0;

export function isLabel(text: string): boolean {
  const eq = text.indexOf("=");
  if (eq <= 0) return false;
  return isLabelKey(text.slice(0, eq)) && isLabelValue(text.slice(eq + 1));
}

/** "key=value:Effect" or "key:Effect", as kubelet's --register-with-taints takes. */
export function isTaint(text: string): boolean {
  const match = /^([^=:]+)(=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(text);
  if (!match) return false;
  return isLabelKey(match[1]!) && isLabelValue(match[3] ?? "");
}

export function parsePortRange(text: string): { min: number; max: number } | undefined {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const min = Number(match[1]);
  const max = Number(match[2]);
  return min >= 1 && max <= 65535 && min <= max ? { min, max } : undefined;
}

/**
 * The kubelet flags `--kubelet-arg` accepts (K3s passes any; lite's kubelet has these). The eviction
 * and image GC keys and `config` are checked in kubelet-config.ts (with upstream's messages).
 * `minimum-image-ttl-duration` is upstream's flag for imageMinimumGCAge; `image-minimum-gc-age` and
 * `image-maximum-gc-age` are lite's flag spellings of the config fields.
 */
export const KUBELET_ARG_KEYS = [
  "port", "max-pods", "container-log-max-size", "container-log-max-files", "config",
  "eviction-hard", "eviction-soft", "eviction-soft-grace-period", "eviction-max-pod-grace-period", "eviction-minimum-reclaim",
  "eviction-pressure-transition-period", "image-gc-high-threshold", "image-gc-low-threshold", "minimum-image-ttl-duration",
  "image-minimum-gc-age", "image-maximum-gc-age",
] as const;

/** Bytes of a kubelet size such as "10Mi", "500Ki", "1G" or "1048576"; undefined when malformed. */
export function parseByteSize(text: string): number | undefined {
  const m = /^(\d+)(Ki|Mi|Gi|K|M|G)?$/.exec(text);
  if (!m) return undefined;
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * unit;
}

function isKubeletArg(s: string): boolean {
  const m = /^([a-z-]+)=(.*)$/s.exec(s);
  if (!m || !(KUBELET_ARG_KEYS as readonly string[]).includes(m[1]!)) return false;
  const n = m[2]!.trim() === "" ? NaN : Number(m[2]);
  switch (m[1]) {
    case "port": return Number.isInteger(n) && n >= 0 && n <= 65535;
    case "container-log-max-size": return (parseByteSize(m[2]!) ?? 0) > 0;
    case "container-log-max-files": return Number.isInteger(n) && n >= 2 && n <= 1000; // upstream: at least 2
    case "max-pods": return Number.isInteger(n) && n > 0 && n <= 10000;
    case "config": return m[2]!.trim() !== "";
    default: return true; // checked with upstream's rules in kubelet-config.ts
  }
}

/**
 * Splits comma-separated `--kubelet-arg` text into key=value arguments. A piece that does not start
 * with `key=` continues the previous argument, so map values keep their commas:
 * `eviction-hard=memory.available<100Mi,nodefs.available<5%` is one argument.
 */
export function splitKubeletArgs(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(",")) {
    if (out.length && !/^\s*[a-z][a-z0-9-]*=/.test(piece)) out[out.length - 1] += `,${piece}`;
    else if (piece.trim() !== "") out.push(piece.trim());
  }
  return out;
}

function kubeletArgList(): ValueType {
  const item = stringType(`kubelet arguments key=value with key one of ${KUBELET_ARG_KEYS.join(", ")}`, isKubeletArg);
  const expected = "kubelet arguments such as port=10250";
  return {
    expected: item.expected,
    list: true,
    schema: v.pipe(
      v.union([v.array(v.string()), v.string()], expected),
      v.transform((x) => (Array.isArray(x) ? x : splitKubeletArgs(x))),
      v.array(item.schema as v.GenericSchema<string, string>, item.expected),
    ),
    decode: splitKubeletArgs,
  };
}

export const types = {
  string: stringType("a string"),
  path: stringType("a file or directory path", (s) => s.trim() !== "" && !s.includes("\0")),
  bool: {
    expected: "true or false",
    schema: v.boolean("true or false"),
    decode: (text: string) => (/^(true|1|yes)$/i.test(text) ? true : /^(false|0|no)$/i.test(text) ? false : text),
  } satisfies ValueType,
  port: {
    expected: "a port number 1-65535",
    schema: v.pipe(v.number("a port number 1-65535"), v.integer("a port number 1-65535"), v.minValue(1, "a port number 1-65535"), v.maxValue(65535, "a port number 1-65535")),
    decode: (text: string) => (/^\d+$/.test(text) ? Number(text) : text),
  } satisfies ValueType,
  portOrZero: {
    expected: "a port number 0-65535 (0: any free port)",
    schema: v.pipe(v.number("a port number 0-65535 (0: any free port)"), v.integer("a port number 0-65535 (0: any free port)"), v.minValue(0, "a port number 0-65535 (0: any free port)"), v.maxValue(65535, "a port number 0-65535 (0: any free port)")),
    decode: (text: string) => (/^\d+$/.test(text) ? Number(text) : text),
  } satisfies ValueType,
  count: {
    expected: "a whole number >= 0 (0: no limit)",
    schema: v.pipe(v.number("a whole number >= 0 (0: no limit)"), v.integer("a whole number >= 0 (0: no limit)"), v.minValue(0, "a whole number >= 0 (0: no limit)")),
    decode: (text: string) => (/^\d+$/.test(text) ? Number(text) : text),
  } satisfies ValueType,
  fileMode: {
    expected: "an octal file mode such as 0600 or 644",
    schema: v.pipe(
      v.union([v.string(), v.number()], "an octal file mode such as 0600 or 644"),
      v.transform((x) => String(x)),
      v.check((s) => /^0?[0-7]{3}$/.test(s), "an octal file mode such as 0600 or 644"),
    ),
    decode: fromText,
  } satisfies ValueType,
  ip: stringType("an IP address such as 10.0.0.5", isIP),
  cidrList: listOf(stringType("a CIDR such as 10.42.0.0/16", (s) => parseCIDR(s) !== undefined), "CIDRs such as 10.42.0.0/16 (comma-separated for dual stack)"),
  portRange: stringType("a port range such as 30000-32767", (s) => parsePortRange(s) !== undefined),
  dnsName: stringType("a lower-case DNS name such as node-1", isDNSSubdomain),
  httpsURL: stringType("an https:// URL such as https://10.0.0.1:6443", (s) => {
    try {
      return new URL(s).protocol === "https:";
    } catch {
      return false;
    }
  }),
  datastore: stringType("a datastore URL: sqlite://[path], memory:// or postgres://user:pass@host/db", (s) =>
    /^(sqlite|memory|postgres|postgresql):\/\//.test(s)),
  labels: listOf(stringType("key=value labels", isLabel), "labels such as key=value"),
  taints: listOf(stringType("taints such as key=value:NoSchedule", isTaint), "taints such as key=value:NoSchedule"),
  kubeletArgs: kubeletArgList(),
  sans: listOf(stringType("host names or IP addresses", (s) => isIP(s) || isDNSSubdomain(s.replace(/^\*\./, ""))), "host names or IP addresses"),
  paths: listOf(stringType("file paths", (s) => s.trim() !== "")),
  names: listOf(stringType("names", (s) => /^[a-z0-9-]+$/.test(s)), "names"),
} as const;

export function enumType(values: readonly string[]): ValueType {
  const expected = `one of ${values.join(", ")}`;
  return stringType(expected, (s) => values.includes(s));
}
