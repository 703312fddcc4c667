/** Every function library the evaluator knows, in lookup order (registry.ts). */
import { authzLibrary } from "./authz.ts";
import { formatLibrary } from "./format.ts";
import { ipLibrary } from "./ip.ts";
import { quantityLibrary } from "./quantity.ts";
import type { CelLibrary } from "./registry.ts";
import { LISTS_LIBRARY } from "./lists.ts";
import { REGEX_LIBRARY } from "./regex.ts";
import { SETS_LIBRARY } from "./sets.ts";
import { STRINGS_LIBRARY } from "./strings.ts";
import { urlLibrary } from "./url.ts";

export const CEL_LIBRARIES: readonly CelLibrary[] = [
  // Kubernetes libraries (quantity, URL, IP/CIDR, format, authorizer).
  quantityLibrary, urlLibrary, ipLibrary, formatLibrary, authzLibrary,
  // cel-go ext.Strings v2 and ext.Sets; Kubernetes regex and lists.
  STRINGS_LIBRARY, SETS_LIBRARY, REGEX_LIBRARY, LISTS_LIBRARY,
];
