export { builtinResources, GROUP_ORDER } from "./catalog/index.ts";
export { defineResource, sub } from "./define.ts";
export { createResourceRegistry, selectableFieldNames, selectableFieldsOf } from "./registry.ts";
export type { GroupInfo, RegistryChange, ResourceRegistry } from "./registry.ts";
export { ALL_VERBS, apiVersionOf } from "./types.ts";
export type {
  CreateOnlyHandler,
  GroupVersionKind, KObject, ObjectMeta, OwnerReference, ResourceDef, ResourceDefInput, StatusMetadataPolicy, Strategy, StrategyContext,
  ScalePaths, SubresourceDef, SubresourceKind, Verb,
} from "./types.ts";
