/**
 * lite's built-in controllers (kube-controller-manager's share of them) and how the server starts them.
 */
import type { ControllerDefinition } from "@lite/sdk";
import { namespaceController } from "./namespace/namespace-controller.ts";
import { rootCAController } from "./root-ca/root-ca-controller.ts";
import { serviceAccountController } from "./serviceaccount/serviceaccount-controller.ts";

export interface CoreControllerOptions {
  /** PEM of the cluster's server CA, published as kube-root-ca.crt in every namespace. */
  rootCAPem: string;
}

/** The core controllers, constructed fresh for one cluster. */
export function coreControllers(options: CoreControllerOptions): ControllerDefinition[] {
  return [namespaceController(), serviceAccountController(), rootCAController(options.rootCAPem)];
}

export { startControllerManager } from "./start.ts";
export type { ControllerManagerHandle, StartControllerManagerOptions } from "./start.ts";
