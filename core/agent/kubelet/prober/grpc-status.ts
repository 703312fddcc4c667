/** gRPC status codes by name (Go's codes.Code String()), for error texts in Go's `rpc error: code = X desc = Y` form. */
const NAMES = [
  "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied",
  "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable",
  "DataLoss", "Unauthenticated",
];

export function grpcCodeName(code: number): string {
  return NAMES[code] ?? `Code(${code})`;
}

/** Go's status error text. */
export function rpcErrorText(code: number, details: string): string {
  return `rpc error: code = ${grpcCodeName(code)} desc = ${details}`;
}
