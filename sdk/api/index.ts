/** Public surface of lite's API type declarations and what is derived from them in the SDK. */
export { f as apiField, object as apiObject, wrappedList as apiWrappedList, defineApiPackage } from "./dsl.ts";
export type {
  ApiPackageDecl, FieldDecl, FieldOptions, KindOptions, ListType, MapType, ObjectTypeDecl, PatchStrategy, TypeDecl,
  WrappedListTypeDecl,
} from "./dsl.ts";
export { SCALAR_NAMES, parseTypeText, typeExprText } from "./type-expr.ts";
export type { ScalarName, TypeExpr } from "./type-expr.ts";
export { createApiRegistry } from "./registry.ts";
export type { ApiRegistry, FieldSpec, GroupVersionKind, ObjectTypeSpec, TypeSpec, WrappedListTypeSpec } from "./registry.ts";
export { BUILTIN_API, BUILTIN_API_PACKAGES } from "./builtin.ts";
export { createValibotSchemas, UNKNOWN_FIELD } from "./structure/valibot-schemas.ts";
export type { AnySchema, ValibotSchemas } from "./structure/valibot-schemas.ts";
export { pruneUnknownFields } from "./structure/prune.ts";
export { createStructureValidator, strictDecodingMessage, validateStructure } from "./structure/validate.ts";
export type { FieldValidationMode, StructureError, StructureResult, StructureValidator } from "./structure/validate.ts";
export { patchMetaFor, patchMetaForType } from "./patch-meta.ts";
export type { FieldPatchInfo, PatchMetaLookup } from "./patch-meta.ts";
export { ephemeralClaimError, ephemeralClaimName } from "./ephemeral-volume.ts";
