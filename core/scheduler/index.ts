/** The scheduler: framework runtime, queue, cache and the default plugins. */
export { createScheduler, DEFAULT_SCHEDULER_NAME } from "./scheduler.ts";
export type { Scheduler, SchedulerOptions } from "./scheduler.ts";
export { startScheduler, SCHEDULER_LEASE, SCHEDULER_USER } from "./start.ts";
export type { SchedulerHandleRunning, StartSchedulerOptions } from "./start.ts";
