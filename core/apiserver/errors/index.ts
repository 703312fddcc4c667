export { ApiError, apiErrors, toApiError, qualifiedResource } from "./api-error.ts";
export type { GroupResource, StatusReason } from "./api-error.ts";
export { fieldErrors, formatFieldError } from "./field-error.ts";
export type { FieldError, FieldErrorType } from "./field-error.ts";
export { successStatus } from "./status.ts";
export type { Status, StatusCause, StatusDetails } from "./status.ts";
