/** The built-in API packages lite serves, and the registry compiled from them. */
import type { ApiPackageDecl } from "./dsl.ts";
import { createApiRegistry, type ApiRegistry } from "./registry.ts";
import { metaV1 } from "./types/meta-v1.ts";
import { coreV1 } from "./types/core-v1.ts";
import { appsV1 } from "./types/apps-v1.ts";
import { batchV1 } from "./types/batch-v1.ts";
import { authenticationV1 } from "./types/authentication-v1.ts";
import { authorizationV1 } from "./types/authorization-v1.ts";
import { rbacV1 } from "./types/rbac-v1.ts";
import { certificatesV1 } from "./types/certificates-v1.ts";
import { autoscalingV1 } from "./types/autoscaling-v1.ts";
import { autoscalingV2 } from "./types/autoscaling-v2.ts";
import { policyV1 } from "./types/policy-v1.ts";
import { networkingV1 } from "./types/networking-v1.ts";
import { schedulingV1 } from "./types/scheduling-v1.ts";
import { coordinationV1 } from "./types/coordination-v1.ts";
import { discoveryV1 } from "./types/discovery-v1.ts";
import { eventsV1 } from "./types/events-v1.ts";
import { storageV1 } from "./types/storage-v1.ts";
import { nodeV1 } from "./types/node-v1.ts";
import { admissionregistrationV1 } from "./types/admissionregistration-v1.ts";
import { apiextensionsV1 } from "./types/apiextensions-v1.ts";
import { apiregistrationV1 } from "./types/apiregistration-v1.ts";
import { flowcontrolV1 } from "./types/flowcontrol-v1.ts";

export const BUILTIN_API_PACKAGES: readonly ApiPackageDecl[] = Object.freeze([
  metaV1, coreV1, appsV1, batchV1, authenticationV1, authorizationV1, rbacV1, certificatesV1,
  autoscalingV1, autoscalingV2, policyV1, networkingV1, schedulingV1, coordinationV1,
  discoveryV1, eventsV1, storageV1, nodeV1, admissionregistrationV1, apiextensionsV1,
  apiregistrationV1, flowcontrolV1,
]);

/** Immutable registry of every built-in type (compiled once, at import). */
export const BUILTIN_API: ApiRegistry = createApiRegistry(BUILTIN_API_PACKAGES);
