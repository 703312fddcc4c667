/**
 * API errors as the server reports them: a metav1.Status with code, reason, message and details.
 * Every ApiClient call rejects with ApiStatusError when the server answers with a failure Status
 * (or a non-2xx response, from which a Status is synthesised).
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** metav1.Status as JSON. */
export interface Status {
  kind?: "Status";
  apiVersion?: string;
  metadata?: Record<string, unknown>;
  status?: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

export class ApiStatusError extends Error {
  /** HTTP status code, e.g. 404. */
  readonly code: number;
  /** metav1.StatusReason, e.g. "NotFound", "AlreadyExists", "Conflict", "Expired". */
  readonly reason: string;
  readonly details?: StatusDetails;
  readonly status: Status;

  constructor(status: Status, options?: { cause?: unknown }) {
    super(status.message || status.reason || `request failed with code ${status.code ?? 0}`, options);
    this.name = "ApiStatusError";
    this.status = status;
    this.code = status.code ?? 0;
    this.reason = status.reason ?? "";
    this.details = status.details;
  }
}

function statusOf(err: unknown): ApiStatusError | undefined {
  return err instanceof ApiStatusError ? err : undefined;
}

export function isNotFound(err: unknown): boolean {
  const e = statusOf(err);
  return !!e && (e.reason === "NotFound" || (e.reason === "" && e.code === 404));
}

export function isAlreadyExists(err: unknown): boolean {
  return statusOf(err)?.reason === "AlreadyExists";
}

export function isConflict(err: unknown): boolean {
  const e = statusOf(err);
  return !!e && (e.reason === "Conflict" || (e.reason === "" && e.code === 409));
}

export function isForbidden(err: unknown): boolean {
  const e = statusOf(err);
  return !!e && (e.reason === "Forbidden" || e.code === 403);
}

export function isInvalid(err: unknown): boolean {
  return statusOf(err)?.reason === "Invalid";
}

/** 410: the requested resourceVersion was compacted (a watch or list must start over). */
export function isResourceExpired(err: unknown): boolean {
  const e = statusOf(err);
  return !!e && (e.code === 410 || e.reason === "Expired" || e.reason === "Gone");
}

export function isTooManyRequests(err: unknown): boolean {
  const e = statusOf(err);
  return !!e && (e.reason === "TooManyRequests" || e.code === 429);
}

/** True when the Status carries a cause of this type, e.g. "NamespaceTerminating". */
export function hasStatusCause(err: unknown, reason: string): boolean {
  return (statusOf(err)?.details?.causes ?? []).some((c) => c.reason === reason);
}
