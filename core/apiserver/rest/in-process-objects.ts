/**
 * In-process watches answered with objects instead of bytes. The server's own components
 * (controllers, scheduler, plugins) call `handle()` directly; for them a watch does not need to
 * encode each event to JSON only for their informers to parse it back into a second copy. A
 * request the in-process transport marks with `IN_PROCESS_OBJECTS` gets a watch Response with no
 * body and, under `OBJECT_EVENTS`, a stream of `{ type, object }` events whose objects are the
 * watch cache's own (deep-frozen, shared: nobody may change them).
 *
 * Requests from the network can never carry the mark: it is a property of the Request object,
 * not a header.
 */
import type { KObject } from "../resources/index.ts";

export const IN_PROCESS_OBJECTS: unique symbol = Symbol.for("lite.in-process-objects") as never;
export const OBJECT_EVENTS: unique symbol = Symbol.for("lite.object-events") as never;

export interface ObjectWatchEvent {
  readonly type: string;
  readonly object: KObject | Record<string, unknown>;
}

/** Marks a request as coming from an in-process client that takes objects. */
export function markInProcess(req: Request): Request {
  (req as Request & { [IN_PROCESS_OBJECTS]?: true })[IN_PROCESS_OBJECTS] = true;
  return req;
}

export function wantsObjects(req: Request): boolean {
  return (req as Request & { [IN_PROCESS_OBJECTS]?: true })[IN_PROCESS_OBJECTS] === true;
}

/** A body-less 200 response carrying the event stream. */
export function objectWatchResponse(events: ReadableStream<ObjectWatchEvent>, headers: Record<string, string>): Response {
  const res = new Response(null, { status: 200, headers });
  (res as Response & { [OBJECT_EVENTS]?: ReadableStream<ObjectWatchEvent> })[OBJECT_EVENTS] = events;
  return res;
}

/** The event stream of a watch Response answered with objects, if it was. */
export function objectEventsOf(res: Response): ReadableStream<ObjectWatchEvent> | undefined {
  return (res as Response & { [OBJECT_EVENTS]?: ReadableStream<ObjectWatchEvent> })[OBJECT_EVENTS];
}
