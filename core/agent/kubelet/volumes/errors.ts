/**
 * A volume that could not be prepared. `message` is the event text upstream's kubelet records
 * with reason FailedMount (`MountVolume.SetUp failed for volume "v" : configmap "c" not found`),
 * `cause` the bare plugin error (`configmap "c" not found`).
 */
export class VolumeError extends Error {
  readonly reason = "FailedMount" as const;
  constructor(readonly volume: string, message: string, readonly detail: string) {
    super(message);
    this.name = "VolumeError";
  }
}

/** A plugin-level failure whose message is the upstream text (no prefix). */
export class SetUpError extends Error {
  constructor(message: string, readonly stage: "SetUp" | "NewMounter" | "NodeAffinity" | "Process" = "SetUp") {
    super(message);
    this.name = "SetUpError";
  }
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** utilerrors.NewAggregate: one message as is, several as `[a, b]`. */
export function aggregate(messages: readonly string[]): string | undefined {
  if (messages.length === 0) return undefined;
  return messages.length === 1 ? messages[0] : `[${messages.join(", ")}]`;
}
