/** Every function library the evaluator knows, in lookup order (registry.ts). */
import type { CelLibrary } from "./registry.ts";

export const CEL_LIBRARIES: readonly CelLibrary[] = [];
