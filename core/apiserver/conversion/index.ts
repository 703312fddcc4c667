export { decodeStored, storageResourceOf, toServed, toStorage } from "./convert.ts";
export { defineStorageVersion } from "./define.ts";
export type { StorageVersionInput } from "./define.ts";
export type { StorageVersion, VersionConverter } from "./types.ts";
