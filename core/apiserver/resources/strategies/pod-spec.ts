/** Defaulting and validation of a PodSpec, shared by Pods and every pod template (SetDefaults_PodSpec & co). */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { checkDns1123Label } from "../../validation/names.ts";
import { validateClaimSpec } from "./persistent-volume-validation.ts";
import { defaultPodVolume, podVolumeSourceErrors } from "./pv-sources.ts";

// biome-ignore lint: JSON documents.
type Json = Record<string, any>;

function imagePullPolicyFor(image: string): string {
  const lastPart = image.split("/").pop() ?? image;
  if (lastPart.includes("@")) return "IfNotPresent";
  const tag = lastPart.includes(":") ? lastPart.split(":").pop() : undefined;
  return !tag || tag === "latest" ? "Always" : "IfNotPresent";
}

function defaultContainer(c: Json): void {
  if (typeof c.image === "string" && c.imagePullPolicy === undefined) c.imagePullPolicy = imagePullPolicyFor(c.image);
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.resources ??= {};
  for (const p of Array.isArray(c.ports) ? c.ports : []) p.protocol ??= "TCP";
  for (const e of Array.isArray(c.env) ? c.env : []) {
    if (e?.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= "v1";
  }
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!probe || typeof probe !== "object") continue;
    probe.timeoutSeconds ??= 1; probe.periodSeconds ??= 10; probe.successThreshold ??= 1; probe.failureThreshold ??= 3;
    if (probe.httpGet) probe.httpGet.scheme ??= "HTTP";
  }
}

function defaultVolume(v: Json): void {
  for (const kind of ["configMap", "secret", "projected", "downwardAPI"]) {
    if (v[kind] && typeof v[kind] === "object") v[kind].defaultMode ??= 420;
  }
  defaultPodVolume(v);
}

/** Fill PodSpec defaults in place. */
export function defaultPodSpec(spec: Json): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  for (const list of [spec.containers, spec.initContainers]) {
    for (const c of Array.isArray(list) ? list : []) if (c && typeof c === "object") defaultContainer(c);
  }
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) if (v && typeof v === "object") defaultVolume(v);
}

/** Admission-time pod defaults that upstream applies through plugins (ServiceAccount, Priority, DefaultTolerationSeconds). */
export function defaultPodAdmission(spec: Json): void {
  spec.serviceAccountName ??= "default";
  spec.serviceAccount = spec.serviceAccountName;
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= "PreemptLowerPriority";
  const tolerations: Json[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    if (!tolerations.some((t) => t?.key === key && (t.effect === "NoExecute" || !t.effect))) {
      tolerations.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
    }
  }
  spec.tolerations = tolerations;
}

const RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];

function validateContainers(list: unknown, path: string, required: boolean, names: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(list) || list.length === 0) {
    if (required) errs.push(fieldErrors.required(path, ""));
    return errs;
  }
  list.forEach((c: Json, i) => {
    const p = `${path}[${i}]`;
    if (!c || typeof c !== "object") { errs.push(fieldErrors.invalid(p, c, "must be an object")); return; }
    if (!c.name) errs.push(fieldErrors.required(`${p}.name`, ""));
    else {
      for (const m of checkDns1123Label(String(c.name))) errs.push(fieldErrors.invalid(`${p}.name`, c.name, m));
      if (names.has(c.name)) errs.push(fieldErrors.duplicate(`${p}.name`, c.name));
      names.add(c.name);
    }
    if (!c.image || (typeof c.image === "string" && c.image.trim() === "")) errs.push(fieldErrors.required(`${p}.image`, ""));
    if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) {
      errs.push(fieldErrors.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
    }
    (Array.isArray(c.ports) ? c.ports : []).forEach((port: Json, j: number) => {
      const pp = `${p}.ports[${j}]`;
      const n = port?.containerPort;
      if (!Number.isInteger(n) || n < 1 || n > 65535) errs.push(fieldErrors.invalid(`${pp}.containerPort`, n ?? 0, "must be between 1 and 65535, inclusive"));
      if (port?.protocol && !["TCP", "UDP", "SCTP"].includes(port.protocol)) errs.push(fieldErrors.notSupported(`${pp}.protocol`, port.protocol, ["SCTP", "TCP", "UDP"]));
    });
  });
  return errs;
}

/** Upstream SysctlContainSlashFmt: dot- or slash-separated segments of [a-z0-9]([-_a-z0-9]*[a-z0-9])?. */
const SYSCTL_SEGMENT = "[a-z0-9]([-_a-z0-9]*[a-z0-9])?";
const SYSCTL_NAME = new RegExp(`^(${SYSCTL_SEGMENT}[\\./])*${SYSCTL_SEGMENT}$`);
const SYSCTL_MAX_LENGTH = 253;

/** Upstream validateSysctls: names are required, well-formed and unique (values are the kubelet's business). */
function validateSysctls(sysctls: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (Array.isArray(sysctls) ? sysctls : []).forEach((s: Json, i: number) => {
    const p = `${path}[${i}].name`;
    const name = typeof s?.name === "string" ? s.name : "";
    if (!name) errs.push(fieldErrors.required(p, ""));
    else if (name.length > SYSCTL_MAX_LENGTH || !SYSCTL_NAME.test(name)) {
      errs.push(fieldErrors.invalid(p, name, `must have at most ${SYSCTL_MAX_LENGTH} characters and match regex ${SYSCTL_NAME.source}`));
    } else if (names.has(name)) errs.push(fieldErrors.duplicate(p, name));
    names.add(name);
  });
  return errs;
}

/** Validate a (defaulted) PodSpec; `path` is e.g. `spec` or `spec.template.spec`. */
export function validatePodSpec(spec: Json | undefined, path: string): FieldError[] {
  if (!spec || typeof spec !== "object") return [fieldErrors.required(path, "")];
  const names = new Set<string>();
  const errs = [
    ...validateContainers(spec.containers, `${path}.containers`, true, names),
    ...validateContainers(spec.initContainers, `${path}.initContainers`, false, names),
  ];
  if (spec.restartPolicy && !RESTART_POLICIES.includes(spec.restartPolicy)) errs.push(fieldErrors.notSupported(`${path}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  if (spec.dnsPolicy && !DNS_POLICIES.includes(spec.dnsPolicy)) errs.push(fieldErrors.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  errs.push(...validateSysctls(spec.securityContext?.sysctls, `${path}.securityContext.sysctls`));
  const volumeNames = new Set<string>();
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v: Json, i: number) => {
    const p = `${path}.volumes[${i}].name`;
    if (!v?.name) errs.push(fieldErrors.required(p, ""));
    else if (volumeNames.has(v.name)) errs.push(fieldErrors.duplicate(p, v.name));
    else volumeNames.add(v.name);
    if (v && typeof v === "object") errs.push(...podVolumeSourceErrors(v, `${path}.volumes[${i}]`));
    // A generic ephemeral volume: its claim template is validated as a claim (upstream validateEphemeralVolumeSource).
    if (v?.ephemeral !== undefined && v.ephemeral !== null) {
      const template = `${path}.volumes[${i}].ephemeral.volumeClaimTemplate`;
      if (!v.ephemeral.volumeClaimTemplate) errs.push(fieldErrors.required(template));
      else errs.push(...validateClaimSpec(v.ephemeral.volumeClaimTemplate.spec, `${template}.spec`));
    }
  });
  return errs;
}
