/**
 * What the crictl commands need from the runtime: one generic unary CRI call (so every request
 * field, e.g. `verbose`, and every response field, e.g. `info`, is reachable) plus the I/O of the
 * command. Tests pass a fake `call`.
 */
import type { CriService } from "../../agent/cri/codec.ts";
import { openCriChannel } from "../../agent/cri/client.ts";
import { CriError } from "../../agent/cri/types.ts";

export type { CriService };

export interface CrictlCri {
  call<T = any>(service: CriService, method: string, request: object, deadlineMs?: number): Promise<T>;
  close(): void;
}

export interface CrictlContext {
  cri: CrictlCri;
  /** Raw stdout (crictl's fmt.Print*). */
  out(text: string | Uint8Array): void;
  /** Raw stderr. */
  err(text: string | Uint8Array): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  stdoutIsTty: boolean;
}

/** A runtime error as crictl reports it (exit code 1). */
export class CrictlFailure extends Error {}

const CODE_NAMES = ["OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"];

/** A gRPC failure in grpc-go's words: `rpc error: code = NotFound desc = ...`. */
export function rpcError(err: unknown): string {
  if (err instanceof CriError) return `rpc error: code = ${CODE_NAMES[err.code] ?? `Code(${err.code})`} desc = ${err.details}`;
  return err instanceof Error ? err.message : String(err);
}

/** Runs a CRI call (or a few steps around one); any failure becomes a CrictlFailure `<what>: <rpcError>`. */
export async function callOr<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw new CrictlFailure(`${what}: ${rpcError(e)}`);
  }
}

const DEFAULT_TIMEOUT_MS = 120_000;

export function createCrictlCri(endpoint: string): CrictlCri {
  const channel = openCriChannel(endpoint);
  return {
    call: <T>(service: CriService, method: string, request: object, deadlineMs = DEFAULT_TIMEOUT_MS) => channel.call<T>(service, method, request, deadlineMs),
    close: () => channel.close(),
  };
}
