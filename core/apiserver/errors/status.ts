/** The `Status` object (meta/v1) that every API error is rendered as. */
import type { StatusDetails } from "@lite/sdk";

/** The cause and details shapes are the SDK's (clients and server agree on one definition). */
export type { StatusCause, StatusDetails } from "@lite/sdk";

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never> | { resourceVersion?: string; continue?: string };
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export function successStatus(code = 200, details?: StatusDetails): Status {
  const s: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code };
  if (details) s.details = details;
  return s;
}
