import type { Logger } from "@lite/sdk";

/** A one-shot stop request: from a signal, or from inside (a critical failure). */
export interface Shutdown {
  readonly promise: Promise<string>;
  readonly triggered: boolean;
  trigger(reason: string): void;
  /** Removes the signal handlers. */
  dispose(): void;
}

/** Resolves on the first SIGTERM or SIGINT; later signals are logged and ignored, so stopping twice is safe. */
export function waitForShutdown(log: Logger): Shutdown {
  let resolve!: (reason: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  let triggered = false;
  const trigger = (reason: string) => {
    if (triggered) {
      log.info("already stopping", { reason });
      return;
    }
    triggered = true;
    resolve(reason);
  };
  const onSignal = (signal: NodeJS.Signals) => trigger(`received ${signal}`);
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return {
    promise,
    get triggered() {
      return triggered;
    },
    trigger,
    dispose() {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}
