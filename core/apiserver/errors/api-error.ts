/**
 * ApiError: an error that the REST layer renders as a `Status` with an HTTP code and reason,
 * with the messages kube-apiserver uses (apimachinery `api/errors`). Throw these anywhere below
 * `handle`; anything else becomes a 500 InternalError. `cause` is always kept.
 */
import { formatFieldError, type FieldError } from "./field-error.ts";
import type { Status, StatusDetails } from "./status.ts";

export type StatusReason =
  | "NotFound" | "AlreadyExists" | "Conflict" | "Invalid" | "BadRequest" | "Unauthorized" | "Forbidden"
  | "MethodNotAllowed" | "NotAcceptable" | "UnsupportedMediaType" | "RequestEntityTooLarge" | "Gone" | "Expired"
  | "TooManyRequests" | "InternalError" | "ServiceUnavailable" | "Timeout" | "";

/** A (group, resource) pair as used in messages: `pods`, `deployments.apps`. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export class ApiError extends Error {
  /** The Status's ListMeta (upstream: only an expired continue carries one, with a token to go on with). */
  listMeta?: { continue?: string };

  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ApiError";
  }

  toStatus(): Status {
    // Field order as upstream serializes a Status.
    const s: Status = { kind: "Status", apiVersion: "v1", metadata: { ...this.listMeta }, status: "Failure", message: this.message } as Status;
    if (this.reason) s.reason = this.reason;
    if (this.details) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

function grDetails(gr: GroupResource, name: string): StatusDetails {
  const d: StatusDetails = { name };
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

/** Factories, one per upstream constructor (`NewNotFound`, `NewConflict`, ...). */
export const apiErrors = {
  notFound(gr: GroupResource, name: string): ApiError {
    return new ApiError(404, "NotFound", `${qualifiedResource(gr)} "${name}" not found`, grDetails(gr, name));
  },
  /** 404 for a path that names no resource at all. */
  pathNotFound(): ApiError {
    return new ApiError(404, "NotFound", "the server could not find the requested resource", {});
  },
  alreadyExists(gr: GroupResource, name: string): ApiError {
    return new ApiError(409, "AlreadyExists", `${qualifiedResource(gr)} "${name}" already exists`, grDetails(gr, name));
  },
  conflict(gr: GroupResource, name: string, reason: string): ApiError {
    return new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${reason}`, grDetails(gr, name));
  },
  /** The standard optimistic-concurrency conflict. */
  modified(gr: GroupResource, name: string): ApiError {
    return apiErrors.conflict(gr, name, "the object has been modified; please apply your changes to the latest version and try again");
  },
  /** 422 Invalid. `group`/`kind` are the API group and Kind (`Pod`), as upstream `NewInvalid`. */
  invalid(group: string, kind: string, name: string, errs: readonly FieldError[]): ApiError {
    const causes = errs.map((e) => ({ reason: e.type, message: e.body, field: e.field }));
    const texts = errs.map(formatFieldError);
    const joined = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
    const details: StatusDetails = { name };
    if (group) details.group = group;
    details.kind = kind;
    details.causes = causes;
    // The message names the qualified kind (`Deployment.apps`), as GroupKind.String() does.
    return new ApiError(422, "Invalid", `${group ? `${kind}.${group}` : kind} "${name}" is invalid: ${joined}`, details);
  },
  badRequest(message: string): ApiError {
    return new ApiError(400, "BadRequest", message);
  },
  unauthorized(message = "Unauthorized"): ApiError {
    return new ApiError(401, "Unauthorized", message);
  },
  /** `pods "web" is forbidden: reason` (name may be empty: `pods is forbidden: ...`). */
  forbidden(gr: GroupResource, name: string, reason: string): ApiError {
    const subject = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
    return new ApiError(403, "Forbidden", `${subject} is forbidden: ${reason}`, grDetails(gr, name));
  },
  /** `forbidden: reason`, for requests that name no resource (non-resource paths). */
  forbiddenUnqualified(reason: string): ApiError {
    return new ApiError(403, "Forbidden", `forbidden: ${reason}`, {});
  },
  methodNotAllowed(): ApiError {
    return new ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {});
  },
  notAcceptable(accepted: readonly string[]): ApiError {
    return new ApiError(406, "NotAcceptable", `only the following media types are accepted: ${accepted.join(", ")}`);
  },
  unsupportedMediaType(contentType: string, accepted: readonly string[]): ApiError {
    return new ApiError(415, "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
      { causes: [{ reason: "UnexpectedServerResponse", message: contentType }] });
  },
  requestEntityTooLarge(limit: number): ApiError {
    return new ApiError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);
  },
  gone(message: string): ApiError {
    return new ApiError(410, "Gone", message);
  },
  /** 410 Expired: a resourceVersion or continue token that is no longer available. */
  expired(message: string): ApiError {
    return new ApiError(410, "Expired", message);
  },
  /**
   * 410 for a continue token whose revision was compacted away, carrying a token that goes on from
   * the same key at the latest revision (upstream etcd3 handleCompactedErrorForPaging).
   */
  expiredContinue(message: string, inconsistentToken: string): ApiError {
    const err = apiErrors.expired(message);
    err.listMeta = { continue: inconsistentToken };
    return err;
  },
  tooOldResourceVersion(requested: number, oldest: number): ApiError {
    return apiErrors.expired(`too old resource version: ${requested} (${oldest})`);
  },
  tooManyRequests(message: string, retryAfterSeconds = 1): ApiError {
    return new ApiError(429, "TooManyRequests", message, { retryAfterSeconds });
  },
  serviceUnavailable(message: string): ApiError {
    return new ApiError(503, "ServiceUnavailable", message);
  },
  internal(err: unknown): ApiError {
    const text = err instanceof Error ? err.message : String(err);
    return new ApiError(500, "InternalError", `Internal error occurred: ${text}`, { causes: [{ message: text }] }, { cause: err });
  },
};

/** Any thrown value as an ApiError (unknown errors become 500 InternalError, keeping the cause). */
export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : apiErrors.internal(err);
}
