/**
 * Kubernetes' CEL format library (k8s.io/apiserver/pkg/cel/library/format.go, Kubernetes 1.32):
 *
 *   format.named(string) -> optional(kubernetes.NamedFormat)   (optional.none() for an unknown name)
 *   format.<name>() -> kubernetes.NamedFormat, for each name below
 *   f.validate(string) -> optional(list(string))   (optional.none() when valid, else the errors)
 *   f1 == f2  when they are the same named format
 *
 * Names and their checks: dns1123Label, dns1123Subdomain, dns1035Label (apimachinery NameIs*,
 * the *Prefix variants first replacing a trailing '-' as upstream's maskTrailingDash),
 * qualifiedName, labelValue (IsQualifiedName / IsValidLabelValue, upstream messages); uri
 * (url.ParseRequestURI, its error as the message), uuid, byte (base64), date (RFC 3339 full-date),
 * datetime (kube-openapi strfmt; messages "does not match the UUID format", "invalid base64",
 * "invalid date", "invalid datetime").
 */
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from "../../apiserver/machinery/label-validation.ts";
import { checkDns1035Label } from "../../apiserver/validation/names.ts";
import { CelError, CelObject, markNative, noSuchOverload, type CelValue } from "../values.ts";
import { CelOptional } from "./optional.ts";
import type { CelLibrary } from "./registry.ts";
import { requestURIError } from "./url.ts";

/**
 * apimachinery maskTrailingDash: `name[:len-2] + "a"` when it ends in '-'. A lone "-" makes Go
 * slice out of range, a panic cel-go reports as an evaluation error; so does this.
 */
function maskTrailingDash(name: string): string {
  if (!name.endsWith("-")) return name;
  if (name.length < 2) throw new CelError("internal error: runtime error: slice bounds out of range [:-1]");
  return `${name.slice(0, -2)}a`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Go time.Parse("2006-01-02", s) succeeds (strfmt IsDate). */
function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day >= 1 && day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** kube-openapi strfmt IsDateTime: a date, 't', then a time matched by DateTimePattern (case-insensitive). */
function isDateTime(s: string): boolean {
  const parts = s.toLowerCase().split("t");
  if (!isDate(parts[0]!)) return false;
  // kube-openapi indexes s[1] without a length check: a panic upstream, an evaluation error here.
  if (parts.length < 2) throw new CelError("internal error: runtime error: index out of range [1] with length 1");
  const m = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/u.exec(parts[1]!);
  return m !== null && m[1]! <= "23" && m[2]! <= "59" && m[3]! <= "59";
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** govalidator IsBase64 (standard alphabet, padded; the empty string is not base64). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;

const only = (ok: boolean, message: string) => (ok ? [] : [message]);

/** Each named format's check: the error strings, empty when valid. */
const FORMATS: Record<string, (s: string) => string[]> = {
  dns1123Label: (s) => isDNS1123Label(s),
  dns1123Subdomain: (s) => isDNS1123Subdomain(s),
  dns1035Label: (s) => checkDns1035Label(s),
  qualifiedName: (s) => isQualifiedName(s),
  dns1123LabelPrefix: (s) => isDNS1123Label(maskTrailingDash(s)),
  dns1123SubdomainPrefix: (s) => isDNS1123Subdomain(maskTrailingDash(s)),
  dns1035LabelPrefix: (s) => checkDns1035Label(maskTrailingDash(s)),
  labelValue: (s) => isValidLabelValue(s),
  uri: (s) => {
    const err = requestURIError(s);
    return err === undefined ? [] : [err];
  },
  uuid: (s) => only(UUID.test(s), "does not match the UUID format"),
  byte: (s) => only(BASE64.test(s), "invalid base64"),
  date: (s) => only(isDate(s), "invalid date"),
  datetime: (s) => only(isDateTime(s), "invalid datetime"),
};

export class CelFormat extends CelObject {
  readonly celType = "kubernetes.NamedFormat";
  constructor(readonly name: string) {
    super();
  }
  equals(other: CelValue): boolean {
    return other instanceof CelFormat && other.name === this.name;
  }
  /** The errors of `s` under this format (empty when valid). */
  check(s: string): string[] {
    return FORMATS[this.name]!(s);
  }
}

const constants: Record<string, CelFormat> = Object.fromEntries(Object.keys(FORMATS).map((n) => [n, new CelFormat(n)]));

export const formatLibrary: CelLibrary = {
  "format.named": (target, args) => {
    if (target !== undefined || args.length !== 1 || typeof args[0] !== "string") throw noSuchOverload("format.named", target, args);
    return Object.hasOwn(constants, args[0]) ? CelOptional.of(constants[args[0]]!) : CelOptional.NONE;
  },
  ...Object.fromEntries(Object.entries(constants).map(([n, f]) => [`format.${n}`, (target: CelValue | undefined, args: readonly CelValue[]) => {
    if (target !== undefined || args.length !== 0) throw noSuchOverload(`format.${n}`, target, args);
    return f;
  }])),
  validate: (target, args) => {
    if (!(target instanceof CelFormat) || args.length !== 1 || typeof args[0] !== "string") throw noSuchOverload("validate", target, args);
    const errors = target.check(args[0]);
    return errors.length === 0 ? CelOptional.NONE : CelOptional.of(markNative(errors));
  },
};
