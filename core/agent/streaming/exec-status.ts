/**
 * The final Status of an exec/attach, as each client protocol wants it on channel 3.
 *
 * Upstream (containerd, SPDY v4) writes a JSON metav1.Status on the error stream, or nothing on
 * success. A v5 client gets what the API server's stream translator writes after running
 * client-go's v4 decoder on that: Success; for an exit code, Failure/NonZeroExitCode with the
 * message "command terminated with non-zero exit code: command terminated with exit code N";
 * anything else becomes an InternalError. A v4 client gets containerd's JSON unchanged, as the
 * kubelet's plain proxy would deliver it.
 */

export interface StatusCause { reason?: string; message?: string; field?: string }
export interface Status {
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { causes?: StatusCause[] };
  code?: number;
}

export const SUCCESS: Status = { metadata: {}, status: "Success" };

/** apimachinery's NewInternalError(err). */
export function internalError(message: string): Status {
  return {
    metadata: {},
    status: "Failure",
    message: `Internal error occurred: ${message}`,
    reason: "InternalError",
    details: { causes: [{ message }] },
    code: 500,
  };
}

export function exitCodeStatus(code: number): Status {
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: command terminated with exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

/** The v5 status for what the upstream wrote on its v4 error stream (empty: success). */
export function translateV4Status(errorStream: string): Status {
  if (errorStream.length === 0) return SUCCESS;
  let parsed: Partial<Status>;
  try {
    parsed = JSON.parse(errorStream) as Partial<Status>;
  } catch (e) {
    return internalError(`error stream protocol error: ${(e as Error).message} in ${JSON.stringify(errorStream)}`);
  }
  if (parsed.status === "Success") return SUCCESS;
  if (parsed.status !== "Failure") return internalError("error stream protocol error: unknown error");
  if (parsed.reason === "NonZeroExitCode") {
    const cause = parsed.details?.causes?.find((c) => c.reason === "ExitCode");
    if (!parsed.details) return internalError("error stream protocol error: details must be set");
    if (!cause) return internalError("error stream protocol error: no ExitCode cause given");
    const code = Number(cause.message);
    if (!/^\d+$/.test(cause.message ?? "") || code > 255) return internalError(`error stream protocol error: invalid exit code value ${JSON.stringify(cause.message)}`);
    return exitCodeStatus(code);
  }
  return internalError(parsed.message ?? "");
}
