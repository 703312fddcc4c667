/**
 * Field errors: one problem with one field of a submitted object (apimachinery `field.Error`).
 * A list of them becomes a 422 Invalid Status whose `details.causes` carry the field paths.
 */

export type FieldErrorType =
  | "FieldValueRequired" | "FieldValueInvalid" | "FieldValueNotSupported" | "FieldValueForbidden"
  | "FieldValueDuplicate" | "FieldValueTooLong" | "FieldValueTooMany" | "FieldValueNotFound" | "FieldValueTypeInvalid";

export interface FieldError {
  readonly type: FieldErrorType;
  /** Dotted path with indices, e.g. `spec.containers[0].image`. */
  readonly field: string;
  /** The text after the field path, e.g. `Required value`, `Invalid value: "x": must be ...`. */
  readonly body: string;
}

/** Go's `%#v` of a value, close enough for messages: strings quoted, others JSON. */
function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined || value === null) return "null";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export const fieldErrors = {
  required(field: string, detail = ""): FieldError {
    return { type: "FieldValueRequired", field, body: detail ? `Required value: ${detail}` : "Required value" };
  },
  invalid(field: string, value: unknown, detail = ""): FieldError {
    return { type: "FieldValueInvalid", field, body: `Invalid value: ${show(value)}${detail ? `: ${detail}` : ""}` };
  },
  notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
    const list = supported.map((s) => JSON.stringify(s)).join(", ");
    return { type: "FieldValueNotSupported", field, body: `Unsupported value: ${show(value)}${list ? `: supported values: ${list}` : ""}` };
  },
  forbidden(field: string, detail: string): FieldError {
    return { type: "FieldValueForbidden", field, body: `Forbidden: ${detail}` };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { type: "FieldValueDuplicate", field, body: `Duplicate value: ${show(value)}` };
  },
  tooLong(field: string, max: number): FieldError {
    return { type: "FieldValueTooLong", field, body: `Too long: may not be more than ${max} bytes` };
  },
  /** field.TypeInvalid: the value has the wrong JSON type. */
  typeInvalid(field: string, value: unknown, detail: string): FieldError {
    return { type: "FieldValueTypeInvalid", field, body: `Invalid value: ${show(value)}: ${detail}` };
  },
  tooMany(field: string, actual: number, max: number): FieldError {
    return { type: "FieldValueTooMany", field, body: `Too many: ${actual}: must have at most ${max} ${max === 1 ? "item" : "items"}` };
  },
  notFound(field: string, value: unknown): FieldError {
    return { type: "FieldValueNotFound", field, body: `Not found: ${show(value)}` };
  },
};

/** `field: body`, as Go's `field.Error.Error()`. */
export function formatFieldError(e: FieldError): string {
  return e.field ? `${e.field}: ${e.body}` : e.body;
}
