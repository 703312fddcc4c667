/** ConfigMaps and Secrets: key validation, size limit, `immutable`, Secret type and stringData. */
import { fieldErrors, type FieldError } from "../../errors/index.ts";
import { jsonEqual } from "../../machinery/json-value.ts";
import type { KObject, Strategy } from "../types.ts";

const KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_SIZE = 1024 * 1024;

function validateKeys(obj: KObject, fields: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let size = 0;
  for (const f of fields) {
    for (const [k, v] of Object.entries((obj[f] ?? {}) as Record<string, unknown>)) {
      if (!KEY.test(k) || k.length > 253) {
        errs.push(fieldErrors.invalid(`${f}`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      }
      if (seen.has(k)) errs.push(fieldErrors.invalid(`${f}`, k, "duplicate of key present in another data field"));
      seen.add(k);
      size += typeof v === "string" ? v.length : 0;
    }
  }
  if (size > MAX_SIZE) errs.push(fieldErrors.tooLong("", MAX_SIZE));
  return errs;
}

function validateImmutable(obj: KObject, old: KObject, fields: readonly string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable === true) {
    if (obj.immutable !== true) errs.push(fieldErrors.forbidden("immutable", "field is immutable when `immutable` is set"));
    for (const f of fields) {
      if (!jsonEqual(obj[f] ?? {}, old[f] ?? {})) errs.push(fieldErrors.forbidden(f, "field is immutable when `immutable` is set"));
    }
  }
  return errs;
}

export const configMapStrategy: Strategy = {
  validate: (obj) => validateKeys(obj, ["data", "binaryData"]),
  validateUpdate: (obj, old) => [...validateKeys(obj, ["data", "binaryData"]), ...validateImmutable(obj, old, ["data", "binaryData"])],
};

export const secretStrategy: Strategy = {
  defaults(obj) {
    obj.type ??= "Opaque";
    if (obj.stringData && typeof obj.stringData === "object") {
      obj.data ??= {};
      for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) obj.data[k] = Buffer.from(String(v)).toString("base64");
      delete obj.stringData;
    }
  },
  validate(obj) {
    const errs = validateKeys(obj, ["data"]);
    if (obj.type === "kubernetes.io/service-account-token" && !obj.metadata.annotations?.["kubernetes.io/service-account.name"]) {
      errs.push(fieldErrors.required("metadata.annotations[kubernetes.io/service-account.name]", ""));
    }
    return errs;
  },
  validateUpdate(obj, old) {
    const errs = [...validateKeys(obj, ["data"]), ...validateImmutable(obj, old, ["data"])];
    if (obj.type !== old.type) errs.push(fieldErrors.invalid("type", obj.type, "field is immutable"));
    return errs;
  },
  selectableFields: (obj) => ({ type: String(obj.type ?? "") }),
};
