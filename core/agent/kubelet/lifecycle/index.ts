/** Container lifecycle hooks (postStart, preStop): the handler runner and the kubelet's hooks port. */
export { runHandler, type HandlerDeps, type HandlerOutcome, type HookTarget } from "./handlers.ts";
export { createHookRunner, remainingGraceSeconds } from "./hook-runner.ts";
