/**
 * Imported first by core/main.ts, for its effect: server and agent re-execute themselves once with
 * the allocator setting they need (allocator-environment.ts) before any other module is evaluated.
 * If execve fails, the process runs on with the allocator's defaults.
 */
import { allocatorReexecution } from "./allocator-environment.ts";

const reexecution = allocatorReexecution(process.argv, process.env, process.execPath);
if (reexecution) {
  try {
    process.execve?.(reexecution.file, reexecution.args, reexecution.env); // absent: run as is
  } catch {
    // keep going with the allocator's defaults
  }
}
