/** The API client contract: resources, objects, errors, and the client itself. */
export type { CollectionTarget, KubeObject, ListMeta, ObjectList, ObjectMeta, ObjectTarget, OwnerReference, ResourceRef } from "./resource.ts";
export { apiVersionOf, builtinResources, resourceId, sameResource } from "./resource.ts";
export type { Status, StatusCause, StatusDetails } from "./errors.ts";
export {
  ApiStatusError, hasStatusCause, isAlreadyExists, isConflict, isForbidden, isInvalid, isNotFound, isResourceExpired, isTooManyRequests,
} from "./errors.ts";
export type {
  ApiClient, ApiResource, DeleteCollectionOptions, DeleteOptions, DiscoveryResult, GetOptions, ListOptions, PatchOptions, PatchType,
  WatchEvent, WatchEventType, WatchOptions, WriteOptions,
} from "./api-client.ts";
export type { ResourceClient } from "./resource-handle.ts";
export { resourceClient } from "./resource-handle.ts";
