/**
 * A typed handle to something the core (or the host) offers plugins. Plugins ask for a service
 * with `ctx.use(ref)`; the core decides what backs it. A ref is just an id plus a phantom type,
 * so declaring one has no side effect and any number of clusters can live in one process.
 */
export interface ServiceRef<T> {
  readonly id: string;
  /** Phantom field carrying T; never set at run time. */
  readonly __type?: T;
}

export function createServiceRef<T>(id: string): ServiceRef<T> {
  return Object.freeze({ id });
}

/** Thrown by `ctx.use(ref)` when the core does not offer the service in this process. */
export class ServiceUnavailableError extends Error {
  constructor(readonly serviceId: string, readonly where: string) {
    super(`service "${serviceId}" is not available in ${where}`);
    this.name = "ServiceUnavailableError";
  }
}
