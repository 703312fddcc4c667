/** Writing responses: JSON bodies, Status errors, warning headers, representation by Accept. */
import type { ApiError } from "../errors/index.ts";

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

export function errorResponse(err: ApiError): Response {
  const headers: Record<string, string> = {};
  const retry = err.details?.retryAfterSeconds;
  if (retry !== undefined) headers["Retry-After"] = String(retry);
  return jsonResponse(err.toStatus(), err.code, headers);
}

/** `Warning: 299 - "text"` header values (RFC 7234 warn-code 299), as upstream emits them. */
export function warningHeaders(warnings: readonly string[]): Headers {
  const h = new Headers();
  for (const w of warnings) h.append("Warning", `299 - ${JSON.stringify(w)}`);
  return h;
}

export function withWarnings(res: Response, warnings: readonly string[]): Response {
  for (const w of warnings) res.headers.append("Warning", `299 - ${JSON.stringify(w)}`);
  return res;
}
