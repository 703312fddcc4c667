// Server-side apply and managedFields bookkeeping (structured-merge-diff
// semantics). Pure functions over plain JSON objects; no I/O, no state.

export { applyObject } from "./apply.ts";
export type { ApplyObjectInput, ApplyResult } from "./apply.ts";
export { updateManagedFields } from "./update.ts";
export type { UpdateManagedFieldsInput } from "./update.ts";
export { formatConflictMessage, conflictCauses, describeManager } from "./conflict.ts";
export type { ApplyConflict } from "./ownership.ts";
export { managerOrUserAgent, FIELD_MANAGER_MAX_LENGTH } from "./manager-name.ts";
export { encodeFieldsV1, decodeFieldsV1 } from "./fields-v1.ts";
export { decodeManagedFields, encodeManagedFields, STRIPPED_FIELD_PATHS, MAX_UPDATE_MANAGERS } from "./managed-fields.ts";
export type { FieldSet } from "./field-set.ts";
export { setPaths } from "./field-set.ts";
export { pathToString } from "./path-element.ts";
export { FieldManagerError } from "./schema.ts";
export type { FieldManagerSchema, FieldSchemaInfo } from "./schema.ts";
