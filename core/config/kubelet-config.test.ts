import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { ConfigError } from "./config-error.ts";
import { parseThresholdConfig, resolveKubeletTuning, type Threshold } from "./kubelet-config.ts";
import { resolveSettings } from "./resolve-settings.ts";
import { toAgentSettings, toServerSettings } from "./settings.ts";
import { splitKubeletArgs } from "./value-types.ts";

const dir = mkdtempSync(`${tmpdir()}/lite-kubelet-config-`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = `${dir}/${name}`;
  writeFileSync(path, text);
  return path;
};
const noConfig = ["--config", file("empty.yaml", "")];
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError");
};
/** Thresholds as "signal<value[@grace][+reclaim]" for compact comparisons. */
const brief = (ts: readonly Threshold[]) => ts.map((t) => {
  const v = (x: Threshold["value"]) => (x.quantity ? x.quantity.text : `${Math.round(x.percentage! * 1000) / 10}%`);
  return `${t.signal}<${v(t.value)}${t.gracePeriodMs ? `@${t.gracePeriodMs / 1000}s` : ""}${t.minReclaim ? `+${v(t.minReclaim)}` : ""}`;
}).sort();

describe("kubelet eviction settings (upstream ParseThresholdConfig and defaults)", () => {
  test("unset: upstream's hard defaults, 5m transition period, max pod grace 0, image GC 85%/80% and 2m", () => {
    const t = resolveKubeletTuning([]);
    expect(brief(t.eviction.thresholds)).toEqual(["imagefs.available<15%", "memory.available<100Mi", "nodefs.available<10%", "nodefs.inodesFree<5%"]);
    expect(t.eviction.pressureTransitionPeriodMs).toBe(300_000);
    expect(t.eviction.maxPodGracePeriodSeconds).toBe(0);
    expect(t.imageGc).toEqual({ highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000, maxAgeMs: 0 });
  });

  test("setting eviction-hard replaces the defaults; repeated map flags merge, later keys win", () => {
    expect(brief(resolveKubeletTuning(["eviction-hard=memory.available<200Mi"]).eviction.thresholds)).toEqual(["memory.available<200Mi"]);
    const merged = resolveKubeletTuning(["eviction-hard=memory.available<200Mi,nodefs.available<5%", "eviction-hard=memory.available<300Mi"]);
    expect(brief(merged.eviction.thresholds)).toEqual(["memory.available<300Mi", "nodefs.available<5%"]);
    // An empty map turns hard eviction off; 0% and 100% are ignored, as upstream.
    expect(resolveKubeletTuning(["eviction-hard="]).eviction.thresholds).toEqual([]);
    expect(brief(resolveKubeletTuning(["eviction-hard=nodefs.available<0%,imagefs.available<100%,pid.available<5%"]).eviction.thresholds)).toEqual(["pid.available<5%"]);
  });

  test("soft thresholds take their grace period; minimum reclaims attach to every threshold of the signal", () => {
    const t = resolveKubeletTuning([
      "eviction-hard=memory.available<100Mi", "eviction-soft=memory.available<300Mi,nodefs.available<15%",
      "eviction-soft-grace-period=memory.available=1m30s,nodefs.available=2m", "eviction-minimum-reclaim=memory.available=50Mi,nodefs.available=1%",
      "eviction-max-pod-grace-period=45", "eviction-pressure-transition-period=30s",
    ]);
    expect(brief(t.eviction.thresholds)).toEqual(["memory.available<100Mi+50Mi", "memory.available<300Mi@90s+50Mi", "nodefs.available<15%@120s+1%"]);
    expect(t.eviction.maxPodGracePeriodSeconds).toBe(45);
    expect(t.eviction.pressureTransitionPeriodMs).toBe(30_000);
  });

  test("bad values: one line naming the flag, with upstream's reason", () => {
    const cases: [string[], string][] = [
      [["eviction-hard=memory.available<abc"], "--kubelet-arg eviction-hard=memory.available<abc: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
      [["eviction-hard=memory.available=100Mi"], "--kubelet-arg eviction-hard=memory.available=100Mi: malformed pair, expect string<string"],
      [["eviction-hard=memory.free<1Gi"], "--kubelet-arg eviction-hard=memory.free<1Gi: unsupported eviction signal memory.free (lite observes memory.available, nodefs.available, nodefs.inodesFree, imagefs.available, imagefs.inodesFree, pid.available)"],
      [["eviction-hard=memory.available<0"], "--kubelet-arg eviction-hard=memory.available<0: eviction threshold memory.available must be positive: 0"],
      [["eviction-hard=nodefs.available<101%"], "--kubelet-arg eviction-hard=nodefs.available<101%: eviction percentage threshold nodefs.available must be <= 100%: 101%"],
      [["eviction-hard=nodefs.available<-1%"], "--kubelet-arg eviction-hard=nodefs.available<-1%: eviction percentage threshold nodefs.available must be >= 0%: -1%"],
      [["eviction-hard=nodefs.available<x%"], `--kubelet-arg eviction-hard=nodefs.available<x%: strconv.ParseFloat: parsing "x": invalid syntax`],
      [["eviction-soft=memory.available<1Gi"], "--kubelet-arg: grace period must be specified for the soft eviction threshold memory.available"],
      [["eviction-soft-grace-period=memory.available=90"], `--kubelet-arg eviction-soft-grace-period=memory.available=90: time: invalid duration "90"`],
      [["eviction-soft-grace-period=memory.available=-1m"], "--kubelet-arg eviction-soft-grace-period=memory.available=-1m: invalid eviction grace period specified: -1m, must be a positive value"],
      [["eviction-minimum-reclaim=memory.available=-1Mi"], "--kubelet-arg eviction-minimum-reclaim=memory.available=-1Mi: negative eviction minimum reclaim specified for memory.available"],
      [["eviction-minimum-reclaim=nodefs.available=0%"], "--kubelet-arg eviction-minimum-reclaim=nodefs.available=0%: eviction percentage minimum reclaim nodefs.available must be positive: 0%"],
      [["eviction-max-pod-grace-period=1m"], `--kubelet-arg eviction-max-pod-grace-period=1m: strconv.ParseInt: parsing "1m": invalid syntax`],
      [["eviction-pressure-transition-period=5"], `--kubelet-arg eviction-pressure-transition-period=5: time: invalid duration "5"`],
      [["image-gc-high-threshold=101"], "--kubelet-arg: invalid configuration: imageGCHighThresholdPercent (image-gc-high-threshold) 101 must be between 0 and 100, inclusive"],
      [["image-gc-low-threshold=90"], "--kubelet-arg: invalid configuration: imageGCLowThresholdPercent (image-gc-low-threshold) 90 must be less than imageGCHighThresholdPercent (image-gc-high-threshold) 85"],
      [["image-gc-high-threshold=x"], `--kubelet-arg image-gc-high-threshold=x: strconv.ParseInt: parsing "x": invalid syntax`],
      [["image-maximum-gc-age=1m"], "--kubelet-arg: invalid configuration: imageMaximumGCAge 1m0s must be greater than imageMinimumGCAge 2m0s"],
      [["config=/nonexistent/kubelet.yaml"], "--kubelet-arg config=/nonexistent/kubelet.yaml: cannot read /nonexistent/kubelet.yaml: ENOENT"],
    ];
    for (const [args, message] of cases) expect(errorOf(() => resolveKubeletTuning(args))).toBe(message);
  });

  test("upstream's flag spelling minimum-image-ttl-duration sets the minimum GC age, as image-minimum-gc-age does", () => {
    expect(resolveKubeletTuning(["minimum-image-ttl-duration=10m"]).imageGc.minAgeMs).toBe(600_000);
    expect(resolveKubeletTuning(["image-minimum-gc-age=1h", "image-maximum-gc-age=24h"]).imageGc).toMatchObject({ minAgeMs: 3_600_000, maxAgeMs: 86_400_000 });
  });

  test("parseThresholdConfig on its own", () => {
    expect(brief(parseThresholdConfig({ "pid.available": "1000" }, {}, { "pid.available": "1m" }, {}))).toEqual(["pid.available<1k"]); // printed as upstream's Quantity String()
  });
});

describe("KubeletConfiguration file (--kubelet-arg config=FILE)", () => {
  const yaml = file("kubelet.yaml", [
    "apiVersion: kubelet.config.k8s.io/v1beta1",
    "kind: KubeletConfiguration",
    "evictionHard:",
    "  memory.available: 200Mi",
    "  nodefs.available: 5%",
    "evictionSoft: {memory.available: 500Mi}",
    "evictionSoftGracePeriod: {memory.available: 1m}",
    "evictionMinimumReclaim: {memory.available: 100Mi}",
    "evictionMaxPodGracePeriod: 60",
    "evictionPressureTransitionPeriod: 1m",
    "imageGCHighThresholdPercent: 70",
    "imageGCLowThresholdPercent: 50",
    "imageMinimumGCAge: 10m",
    "maxPods: 50",
    "containerLogMaxSize: 5Mi",
    "containerLogMaxFiles: 3",
    "cgroupDriver: systemd",
    "systemReserved: {memory: 256Mi}",
  ].join("\n"));

  test("the file's fields apply; fields lite does not implement are listed as ignored", () => {
    const t = resolveKubeletTuning([`config=${yaml}`]);
    expect(brief(t.eviction.thresholds)).toEqual(["memory.available<200Mi+100Mi", "memory.available<500Mi@60s+100Mi", "nodefs.available<5%"]);
    expect(t.eviction).toMatchObject({ maxPodGracePeriodSeconds: 60, pressureTransitionPeriodMs: 60_000 });
    expect(t.imageGc).toMatchObject({ highThresholdPercent: 70, lowThresholdPercent: 50, minAgeMs: 600_000 });
    expect(t).toMatchObject({ maxPods: 50, containerLogMaxSize: 5 * 1024 * 1024, containerLogMaxFiles: 3, ignoredFields: ["cgroupDriver", "systemReserved"] });
  });

  test("flags override the file field by field; a map flag replaces the file's whole map", () => {
    const t = resolveKubeletTuning([`config=${yaml}`, "eviction-hard=imagefs.available<20%", "image-gc-high-threshold=90", "eviction-max-pod-grace-period=5"]);
    expect(brief(t.eviction.thresholds)).toEqual(["imagefs.available<20%", "memory.available<500Mi@60s+100Mi"]);
    expect(t.imageGc).toMatchObject({ highThresholdPercent: 90, lowThresholdPercent: 50 });
    expect(t.eviction.maxPodGracePeriodSeconds).toBe(5);
    // Through the CLI settings: max-pods and the log settings from the file, unless a flag sets them.
    const s = toServerSettings(resolveSettings("server", [...noConfig, "--kubelet-arg", `config=${yaml}`, "--kubelet-arg", "max-pods=20"], {}));
    expect(s).toMatchObject({ maxPods: 20, containerLogMaxSize: 5 * 1024 * 1024, containerLogMaxFiles: 3, kubeletConfigIgnored: ["cgroupDriver", "systemReserved"] });
    expect(s.imageGc.highThresholdPercent).toBe(70);
  });

  test("mergeDefaultEvictionSettings: true keeps the defaults of signals the file leaves out; JSON works too", () => {
    const json = file("kubelet.json", JSON.stringify({ apiVersion: "kubelet.config.k8s.io/v1beta1", kind: "KubeletConfiguration", mergeDefaultEvictionSettings: true, evictionHard: { "memory.available": "1Gi" } }));
    expect(brief(resolveKubeletTuning([`config=${json}`]).eviction.thresholds)).toEqual(["imagefs.available<15%", "memory.available<1Gi", "nodefs.available<10%", "nodefs.inodesFree<5%"]);
    // A file without evictionHard keeps the defaults; 0s for the transition period means the default.
    const bare = file("bare.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionPressureTransitionPeriod: 0s\n");
    expect(resolveKubeletTuning([`config=${bare}`]).eviction).toMatchObject({ pressureTransitionPeriodMs: 300_000 });
    expect(resolveKubeletTuning([`config=${bare}`]).eviction.thresholds).toHaveLength(4);
  });

  test("bad files: one line naming the file and the field", () => {
    const kind = file("kind.yaml", "apiVersion: v1\nkind: ConfigMap\n");
    const mapType = file("map.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionHard: [memory.available<1Gi]\n");
    const intType = file("int.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nimageGCHighThresholdPercent: high\n");
    const value = file("value.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionHard: {memory.available: lots}\n");
    const soft = file("soft.yaml", "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionSoft: {memory.available: 1Gi}\n");
    expect(errorOf(() => resolveKubeletTuning([`config=${kind}`]))).toBe(`--kubelet-arg config=${kind}: ${kind}: expected apiVersion kubelet.config.k8s.io/v1beta1 and kind KubeletConfiguration, got "v1" "ConfigMap"`);
    expect(errorOf(() => resolveKubeletTuning([`config=${mapType}`]))).toBe(`--kubelet-arg config=${mapType}: ${mapType}: evictionHard: expected a map of signal names to strings, such as {"memory.available": "100Mi"}`);
    expect(errorOf(() => resolveKubeletTuning([`config=${intType}`]))).toBe(`--kubelet-arg config=${intType}: ${intType}: imageGCHighThresholdPercent: expected a whole number, got "high"`);
    expect(errorOf(() => resolveKubeletTuning([`config=${value}`]))).toBe(`--kubelet-arg (config=${value}): quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    expect(errorOf(() => resolveKubeletTuning([`config=${soft}`]))).toBe(`--kubelet-arg (config=${soft}): grace period must be specified for the soft eviction threshold memory.available`);
  });
});

describe("--kubelet-arg on the command line", () => {
  test("a map value keeps its commas: K3s users write eviction-hard=memory.available<100Mi,nodefs.available<5%", () => {
    expect(splitKubeletArgs("eviction-hard=memory.available<100Mi,nodefs.available<5%,max-pods=50")).toEqual(["eviction-hard=memory.available<100Mi,nodefs.available<5%", "max-pods=50"]);
    const s = toAgentSettings(resolveSettings("agent", [...noConfig, "--kubelet-arg=eviction-hard=memory.available<100Mi,nodefs.available<5%", "--kubelet-arg", "eviction-minimum-reclaim=memory.available=0Mi,nodefs.available=500Mi"], {}));
    expect(brief(s.eviction.thresholds)).toEqual(["memory.available<100Mi+0", "nodefs.available<5%+500Mi"]);
  });
  test("errors name where the argument came from", () => {
    expect(errorOf(() => toServerSettings(resolveSettings("server", [...noConfig, "--kubelet-arg", "eviction-hard=memory.available<abc"], {}))))
      .toBe("--kubelet-arg eviction-hard=memory.available<abc: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(errorOf(() => toServerSettings(resolveSettings("server", noConfig, { LITE_KUBELET_ARG: "image-gc-low-threshold=95" }))))
      .toBe("environment variable LITE_KUBELET_ARG (--kubelet-arg): invalid configuration: imageGCLowThresholdPercent (image-gc-low-threshold) 95 must be less than imageGCHighThresholdPercent (image-gc-high-threshold) 85");
    expect(errorOf(() => resolveSettings("server", [...noConfig, "--kubelet-arg", "eviction-hardd=memory.available<1Gi"], {}))).toContain(`--kubelet-arg: expected kubelet arguments key=value with key one of port, max-pods`);
  });
});
