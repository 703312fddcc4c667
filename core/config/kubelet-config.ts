/**
 * The kubelet's eviction and image garbage-collection settings, from `--kubelet-arg` flags and a
 * KubeletConfiguration file (`--kubelet-arg=config=FILE`), parsed and validated as upstream's
 * kubelet does (pkg/kubelet/eviction/helpers.go ParseThresholdConfig, apis/config/validation,
 * apis/config/v1beta1 defaults). Flags override the file field by field; a map flag such as
 * `eviction-hard` replaces the file's whole map, and repeated map flags merge (later keys win), as
 * pflag's map flags do. Setting any hard threshold replaces upstream's defaults unless the file
 * says `mergeDefaultEvictionSettings: true`. Errors are one ConfigError line naming the setting.
 */
import { readFileSync } from "node:fs";
import { parseQuantity, quantityScaledValue, serializeQuantity, type Quantity } from "../apiserver/machinery/quantity.ts";
import { parseGoDuration } from "../cli/go-duration.ts";
import { ConfigError } from "./config-error.ts";
import { parseByteSize } from "./value-types.ts";

/** The eviction signals lite observes (upstream's names). */
export const SIGNALS = ["memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "imagefs.inodesFree", "pid.available"] as const;
export type Signal = (typeof SIGNALS)[number];

/** A threshold's value: an absolute quantity (bytes, inodes or PIDs), or a fraction of capacity (float32, as upstream). */
export interface ThresholdValue {
  readonly quantity?: { readonly value: number; readonly text: string };
  readonly percentage?: number;
}

/** One eviction threshold (upstream evictionapi.Threshold; the operator is always LessThan). */
export interface Threshold {
  readonly signal: Signal;
  readonly value: ThresholdValue;
  /** 0 for a hard threshold. */
  readonly gracePeriodMs: number;
  readonly minReclaim?: ThresholdValue;
}

export interface EvictionSettings {
  readonly thresholds: readonly Threshold[];
  /** `eviction-pressure-transition-period` (default 5m). */
  readonly pressureTransitionPeriodMs: number;
  /** `eviction-max-pod-grace-period` (default 0): caps a pod's grace period in a soft eviction. */
  readonly maxPodGracePeriodSeconds: number;
}

export interface ImageGcPolicy {
  readonly highThresholdPercent: number;
  readonly lowThresholdPercent: number;
  readonly minAgeMs: number;
  /** 0: images are never removed for age alone. */
  readonly maxAgeMs: number;
}

export interface KubeletTuning {
  readonly eviction: EvictionSettings;
  readonly imageGc: ImageGcPolicy;
  readonly maxPods?: number;
  readonly containerLogMaxSize?: number;
  readonly containerLogMaxFiles?: number;
  /** KubeletConfiguration fields in the file that lite does not implement (ignored; logged at start). */
  readonly ignoredFields: readonly string[];
}

/** Upstream's Linux evictionHard default (kubelet v1.32, apis/config/v1beta1/defaults_linux.go). */
export const DEFAULT_EVICTION_HARD: Readonly<Record<string, string>> = {
  "memory.available": "100Mi", "nodefs.available": "10%", "nodefs.inodesFree": "5%", "imagefs.available": "15%",
};
export const DEFAULT_PRESSURE_TRANSITION_MS = 5 * 60_000;
export const DEFAULT_IMAGE_GC: ImageGcPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 2 * 60_000, maxAgeMs: 0 };

const MAP_ARGS = new Set(["eviction-hard", "eviction-soft", "eviction-soft-grace-period", "eviction-minimum-reclaim"]);

const isSignal = (s: string): s is Signal => (SIGNALS as readonly string[]).includes(s);
const unsupported = (s: string) => `unsupported eviction signal ${s} (lite observes ${SIGNALS.join(", ")})`;

/** upstream parsePercentage: the number is parsed as a float32 and divided by 100 in float32. */
function parsePercentage(text: string): number {
  const body = text.replace(/%+$/, "");
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(body)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(body)}: invalid syntax`);
  return Math.fround(Math.fround(Number(body)) / 100);
}

function parseQuantityValue(text: string): { q: Quantity; value: number } {
  const q = parseQuantity(text); // throws upstream's message
  return { q, value: Number(quantityScaledValue(q, 0)) };
}

/** upstream parseThresholdStatement; undefined for 0% and 100% (ignored as upstream). */
export function parseThresholdStatement(signal: string, val: string): Threshold | undefined {
  if (!isSignal(signal)) throw new Error(unsupported(signal));
  if (val.endsWith("%")) {
    if (val === "0%" || val === "100%") return undefined;
    const percentage = parsePercentage(val);
    if (percentage < 0) throw new Error(`eviction percentage threshold ${signal} must be >= 0%: ${val}`);
    if (percentage > 1) throw new Error(`eviction percentage threshold ${signal} must be <= 100%: ${val}`);
    return { signal, value: { percentage }, gracePeriodMs: 0 };
  }
  const { q, value } = parseQuantityValue(val);
  if (q.mantissa <= 0n) throw new Error(`eviction threshold ${signal} must be positive: ${serializeQuantity(q)}`);
  return { signal, value: { quantity: { value, text: serializeQuantity(q) } }, gracePeriodMs: 0 };
}

function parseMinimumReclaim(signal: string, val: string): ThresholdValue {
  if (!isSignal(signal)) throw new Error(unsupported(signal));
  if (val.endsWith("%")) {
    const percentage = parsePercentage(val);
    if (percentage <= 0) throw new Error(`eviction percentage minimum reclaim ${signal} must be positive: ${val}`);
    return { percentage };
  }
  const { q, value } = parseQuantityValue(val);
  if (q.mantissa < 0n) throw new Error(`negative eviction minimum reclaim specified for ${signal}`);
  return { quantity: { value, text: serializeQuantity(q) } };
}

function parseDurationText(val: string): number {
  const ms = parseGoDuration(val);
  if (ms === undefined) throw new Error(`time: invalid duration ${JSON.stringify(val)}`);
  return ms;
}

/**
 * upstream ParseThresholdConfig: hard thresholds, then soft ones (each needs a grace period), with
 * minimum reclaims attached to every threshold of their signal. Throws an Error with upstream's text.
 */
export function parseThresholdConfig(hard: Record<string, string>, soft: Record<string, string>, gracePeriods: Record<string, string>, minReclaims: Record<string, string>): Threshold[] {
  const grace = new Map<string, number>();
  for (const [signal, val] of Object.entries(gracePeriods)) {
    if (!isSignal(signal)) throw new Error(unsupported(signal));
    const ms = parseDurationText(val);
    if (ms < 0) throw new Error(`invalid eviction grace period specified: ${val}, must be a positive value`);
    grace.set(signal, ms);
  }
  const reclaim = new Map(Object.entries(minReclaims).map(([signal, val]) => [signal, parseMinimumReclaim(signal, val)] as const));
  const out: Threshold[] = [];
  for (const [signal, val] of Object.entries(hard)) {
    const t = parseThresholdStatement(signal, val);
    if (t) out.push(t);
  }
  for (const [signal, val] of Object.entries(soft)) {
    const t = parseThresholdStatement(signal, val);
    if (!t) continue;
    const period = grace.get(signal);
    if (period === undefined) throw new Error(`grace period must be specified for the soft eviction threshold ${signal}`);
    out.push({ ...t, gracePeriodMs: period });
  }
  return out.map((t) => (reclaim.has(t.signal) ? { ...t, minReclaim: reclaim.get(t.signal) } : t));
}

/** `k<v,k2<v2` (eviction-hard/-soft) or `k=v,k2=v2` (grace periods, minimum reclaims), as pflag's map flags split them. */
export function parseMapFlag(text: string, separator: "<" | "="): Record<string, string> {
  const out: Record<string, string> = {};
  for (const piece of text.split(",")) {
    if (piece.trim() === "") continue;
    const at = piece.indexOf(separator);
    if (at < 0) throw new Error(`malformed pair, expect string${separator}string`);
    out[piece.slice(0, at).trim()] = piece.slice(at + 1).trim();
  }
  return out;
}

/** The KubeletConfiguration fields lite reads from `config=FILE`. */
interface FileConfig {
  evictionHard?: Record<string, string>;
  evictionSoft?: Record<string, string>;
  evictionSoftGracePeriod?: Record<string, string>;
  evictionMinimumReclaim?: Record<string, string>;
  evictionMaxPodGracePeriod?: number;
  evictionPressureTransitionPeriod?: string;
  mergeDefaultEvictionSettings?: boolean;
  imageGCHighThresholdPercent?: number;
  imageGCLowThresholdPercent?: number;
  imageMinimumGCAge?: string;
  imageMaximumGCAge?: string;
  maxPods?: number;
  containerLogMaxSize?: string;
  containerLogMaxFiles?: number;
}

const MAP_FIELDS = ["evictionHard", "evictionSoft", "evictionSoftGracePeriod", "evictionMinimumReclaim"] as const;
const INT_FIELDS = ["evictionMaxPodGracePeriod", "imageGCHighThresholdPercent", "imageGCLowThresholdPercent", "maxPods", "containerLogMaxFiles"] as const;
const STRING_FIELDS = ["evictionPressureTransitionPeriod", "imageMinimumGCAge", "imageMaximumGCAge", "containerLogMaxSize"] as const;
const KNOWN_FIELDS = new Set<string>(["apiVersion", "kind", "mergeDefaultEvictionSettings", ...MAP_FIELDS, ...INT_FIELDS, ...STRING_FIELDS]);

/** Reads and checks a KubeletConfiguration (kubelet.config.k8s.io/v1beta1) in YAML or JSON. */
export function readKubeletConfigFile(path: string): { config: FileConfig; ignored: string[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = Bun.YAML.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid YAML or JSON: ${(err as Error).message.split("\n")[0]}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new Error(`${path}: expected a KubeletConfiguration object`);
  const obj = doc as Record<string, unknown>;
  if (obj.kind !== "KubeletConfiguration" || obj.apiVersion !== "kubelet.config.k8s.io/v1beta1") {
    throw new Error(`${path}: expected apiVersion kubelet.config.k8s.io/v1beta1 and kind KubeletConfiguration, got ${JSON.stringify(obj.apiVersion ?? "")} ${JSON.stringify(obj.kind ?? "")}`);
  }
  const config: Record<string, unknown> = {};
  for (const field of MAP_FIELDS) {
    const v = obj[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) {
      throw new Error(`${path}: ${field}: expected a map of signal names to strings, such as {"memory.available": "100Mi"}`);
    }
    config[field] = v;
  }
  for (const field of INT_FIELDS) {
    const v = obj[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`${path}: ${field}: expected a whole number, got ${JSON.stringify(v)}`);
    config[field] = v;
  }
  for (const field of STRING_FIELDS) {
    const v = obj[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== "string") throw new Error(`${path}: ${field}: expected a string such as ${field === "containerLogMaxSize" ? "10Mi" : "5m"}, got ${JSON.stringify(v)}`);
    config[field] = v;
  }
  if (obj.mergeDefaultEvictionSettings !== undefined && obj.mergeDefaultEvictionSettings !== null) {
    if (typeof obj.mergeDefaultEvictionSettings !== "boolean") throw new Error(`${path}: mergeDefaultEvictionSettings: expected true or false`);
    config.mergeDefaultEvictionSettings = obj.mergeDefaultEvictionSettings;
  }
  return { config: config as FileConfig, ignored: Object.keys(obj).filter((k) => !KNOWN_FIELDS.has(k)).sort() };
}

/** The kubelet settings in `args` (already key=value, keys checked). `where` prefixes errors (e.g. "--kubelet-arg"). */
export function resolveKubeletTuning(args: readonly string[], where = "--kubelet-arg"): KubeletTuning {
  const scalars = new Map<string, string>();
  const maps = new Map<string, Record<string, string>>();
  const fail = (key: string, value: string, err: unknown): never => {
    throw new ConfigError(`${where} ${key}=${value}: ${err instanceof Error ? err.message : String(err)}`);
  };
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const key = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    if (MAP_ARGS.has(key)) {
      let parsed: Record<string, string> = {};
      try {
        parsed = parseMapFlag(value, key === "eviction-hard" || key === "eviction-soft" ? "<" : "=");
        // Each entry checked alone, so the error names the flag that holds it.
        for (const [signal, val] of Object.entries(parsed)) {
          if (key === "eviction-hard" || key === "eviction-soft") parseThresholdStatement(signal, val);
          else if (key === "eviction-minimum-reclaim") parseMinimumReclaim(signal, val);
          else parseThresholdConfig({}, {}, { [signal]: val }, {});
        }
      } catch (err) { fail(key, value, err); }
      maps.set(key, { ...(maps.get(key) ?? {}), ...parsed });
    } else {
      scalars.set(key, value);
    }
  }

  let file: FileConfig = {};
  let ignored: string[] = [];
  const configPath = scalars.get("config");
  if (configPath !== undefined) {
    try { ({ config: file, ignored } = readKubeletConfigFile(configPath)); } catch (err) { fail("config", configPath, err); }
  }
  const fileWhere = `${where} config=${configPath}`;
  const failFile = (field: string, err: unknown): never => {
    throw new ConfigError(`${fileWhere}: ${field}: ${err instanceof Error ? err.message : String(err)}`);
  };

  // Eviction thresholds: a flag's map replaces the file's; hard defaults only when neither sets one.
  const pick = (arg: string, field: (typeof MAP_FIELDS)[number]) => maps.get(arg) ?? file[field];
  let hard = pick("eviction-hard", "evictionHard");
  if (hard === undefined) hard = { ...DEFAULT_EVICTION_HARD };
  else if (file.mergeDefaultEvictionSettings) hard = { ...DEFAULT_EVICTION_HARD, ...hard };
  let thresholds: Threshold[];
  try {
    thresholds = parseThresholdConfig(hard, pick("eviction-soft", "evictionSoft") ?? {}, pick("eviction-soft-grace-period", "evictionSoftGracePeriod") ?? {}, pick("eviction-minimum-reclaim", "evictionMinimumReclaim") ?? {});
  } catch (err) {
    // A soft threshold without a grace period, or a bad value in the file.
    throw new ConfigError(`${where}${configPath !== undefined ? ` (config=${configPath})` : ""}: ${err instanceof Error ? err.message : String(err)}`);
  }

  const intArg = (key: string, fileValue: number | undefined): number | undefined => {
    const text = scalars.get(key);
    if (text === undefined) return fileValue;
    if (!/^[+-]?\d+$/.test(text)) fail(key, text, new Error(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`));
    return Number(text);
  };
  const durationArg = (keys: string[], fileValue: string | undefined, fileField: string): number | undefined => {
    for (const key of keys) {
      const text = scalars.get(key);
      if (text === undefined) continue;
      try { return parseDurationText(text); } catch (err) { fail(key, text, err); }
    }
    if (fileValue === undefined) return undefined;
    try { return parseDurationText(fileValue); } catch (err) { return failFile(fileField, err); }
  };

  let transition = durationArg(["eviction-pressure-transition-period"], undefined, "");
  if (transition === undefined) {
    const fromFile = durationArg([], file.evictionPressureTransitionPeriod, "evictionPressureTransitionPeriod");
    transition = !fromFile ? DEFAULT_PRESSURE_TRANSITION_MS : fromFile; // upstream defaulting: 0 in the file means 5m
  }
  if (transition < 0) {
    if (scalars.has("eviction-pressure-transition-period")) fail("eviction-pressure-transition-period", scalars.get("eviction-pressure-transition-period")!, new Error("must not be negative"));
    failFile("evictionPressureTransitionPeriod", new Error("must not be negative"));
  }
  const maxPodGrace = intArg("eviction-max-pod-grace-period", file.evictionMaxPodGracePeriod) ?? 0;

  const high = intArg("image-gc-high-threshold", file.imageGCHighThresholdPercent) ?? DEFAULT_IMAGE_GC.highThresholdPercent;
  const low = intArg("image-gc-low-threshold", file.imageGCLowThresholdPercent) ?? DEFAULT_IMAGE_GC.lowThresholdPercent;
  const minAge = durationArg(["image-minimum-gc-age", "minimum-image-ttl-duration"], file.imageMinimumGCAge, "imageMinimumGCAge") ?? DEFAULT_IMAGE_GC.minAgeMs;
  const maxAge = durationArg(["image-maximum-gc-age"], file.imageMaximumGCAge, "imageMaximumGCAge") ?? DEFAULT_IMAGE_GC.maxAgeMs;
  // upstream validation (apis/config/validation), worded as upstream with lite's flag names.
  const invalid = (message: string): never => { throw new ConfigError(`${where}: invalid configuration: ${message}`); };
  if (high < 0 || high > 100) invalid(`imageGCHighThresholdPercent (image-gc-high-threshold) ${high} must be between 0 and 100, inclusive`);
  if (low < 0 || low > 100) invalid(`imageGCLowThresholdPercent (image-gc-low-threshold) ${low} must be between 0 and 100, inclusive`);
  if (low >= high) invalid(`imageGCLowThresholdPercent (image-gc-low-threshold) ${low} must be less than imageGCHighThresholdPercent (image-gc-high-threshold) ${high}`);
  if (minAge < 0) invalid(`imageMinimumGCAge (image-minimum-gc-age) ${scalars.get("image-minimum-gc-age") ?? scalars.get("minimum-image-ttl-duration") ?? file.imageMinimumGCAge} must not be negative`);
  if (maxAge < 0) invalid(`imageMaximumGCAge (image-maximum-gc-age) ${scalars.get("image-maximum-gc-age") ?? file.imageMaximumGCAge} must not be negative`);
  if (maxAge > 0 && maxAge <= minAge) invalid(`imageMaximumGCAge ${goDurationText(maxAge)} must be greater than imageMinimumGCAge ${goDurationText(minAge)}`);

  // Fields the file may also set (flags override them in settings.ts).
  let containerLogMaxSize: number | undefined;
  if (file.containerLogMaxSize !== undefined) {
    containerLogMaxSize = parseByteSize(file.containerLogMaxSize);
    if (!containerLogMaxSize) failFile("containerLogMaxSize", new Error(`expected a size such as 10Mi, got ${JSON.stringify(file.containerLogMaxSize)}`));
  }
  if (file.containerLogMaxFiles !== undefined && (file.containerLogMaxFiles < 2 || file.containerLogMaxFiles > 1000)) failFile("containerLogMaxFiles", new Error(`must be 2-1000, got ${file.containerLogMaxFiles}`));
  if (file.maxPods !== undefined && (file.maxPods < 1 || file.maxPods > 10000)) failFile("maxPods", new Error(`must be 1-10000, got ${file.maxPods}`));

  return {
    eviction: { thresholds, pressureTransitionPeriodMs: transition, maxPodGracePeriodSeconds: maxPodGrace },
    imageGc: { highThresholdPercent: high, lowThresholdPercent: low, minAgeMs: minAge, maxAgeMs: maxAge },
    ...(file.maxPods !== undefined ? { maxPods: file.maxPods } : {}),
    ...(containerLogMaxSize !== undefined ? { containerLogMaxSize } : {}),
    ...(file.containerLogMaxFiles !== undefined ? { containerLogMaxFiles: file.containerLogMaxFiles } : {}),
    ignoredFields: ignored,
  };
}

/** Go's Duration String() for the durations in messages (whole milliseconds). */
function goDurationText(ms: number): string {
  if (ms === 0) return "0s";
  const h = Math.floor(ms / 3_600_000), m = Math.floor((ms % 3_600_000) / 60_000), s = (ms % 60_000) / 1000;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** The default settings (no `--kubelet-arg` eviction or GC keys). */
export const DEFAULT_KUBELET_TUNING: KubeletTuning = resolveKubeletTuning([]);
