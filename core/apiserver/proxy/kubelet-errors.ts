/**
 * A kubelet's error answer as the API server reports it. For logs, upstream runs it through
 * GenericHttpResponseChecker (pods/log): 400 becomes BadRequest with the kubelet's text, 500
 * InternalError, others NewGenericServerResponse. A JSON Status body is taken as it is.
 */
import { ApiError, apiErrors, type StatusReason } from "../errors/index.ts";

const MAX_ERROR_BODY = 64 * 1024;

/** The body of an error response, at most 64 KiB, as text. */
export async function errorBodyText(res: Response): Promise<string> {
  const bytes = new Uint8Array(await res.arrayBuffer());
  return new TextDecoder().decode(bytes.subarray(0, MAX_ERROR_BODY)).trim();
}

function asStatus(text: string): ApiError | undefined {
  try {
    const s = JSON.parse(text) as { kind?: string; code?: number; reason?: StatusReason; message?: string; details?: ApiError["details"] };
    if (s?.kind === "Status" && typeof s.code === "number") return new ApiError(s.code, s.reason ?? "", s.message ?? "", s.details);
  } catch {
    // plain text
  }
  return undefined;
}

const GENERIC: Record<number, [StatusReason, string]> = {
  401: ["Unauthorized", "the server has asked for the client to provide credentials"],
  404: ["NotFound", "the server could not find the requested resource"],
  405: ["MethodNotAllowed", "the server does not allow this method on the requested resource"],
  409: ["Conflict", "the server reported a conflict"],
  422: ["Invalid", "the server rejected our request due to an error in our request"],
  429: ["TooManyRequests", "the server has received too many requests and has asked us to try again later"],
  503: ["ServiceUnavailable", "the server is currently unable to handle the request"],
  504: ["Timeout", "the server was unable to return a response in the time allotted, but may still be processing the request"],
};

/** The error for a kubelet `/containerLogs` answer with a non-2xx `status` and body `text`. */
export function kubeletLogError(status: number, text: string, podName: string): ApiError {
  const parsed = asStatus(text);
  if (parsed) return parsed;
  if (status === 400) return apiErrors.badRequest(text);
  if (status === 500) return apiErrors.internal(new Error(text));
  let reason: StatusReason = "";
  let message = `the server responded with the status code ${status} but did not return more information`;
  if (status === 403) [reason, message] = ["Forbidden", text];
  else if (GENERIC[status]) [reason, message] = GENERIC[status]!;
  else if (status >= 500) [reason, message] = ["InternalError", `an error on the server (${JSON.stringify(text)}) has prevented the request from succeeding`];
  return new ApiError(status, reason, `${message} ( pods/log ${podName})`, { name: podName, kind: "pods/log" });
}

/** A kubelet that could not be reached (upstream reports the transport error, code 500). */
export function kubeletUnreachable(what: string, err: unknown): ApiError {
  const text = err instanceof Error ? err.message : String(err);
  return new ApiError(500, "", `${what}: ${text}`, undefined, { cause: err });
}
