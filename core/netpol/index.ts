/** Network policy enforcement: NetworkPolicies, Pods and Namespaces to nftables rules in lite's own table (`inet lite-netpol`). */
export { startNetpolController, NETWORK_POLICIES, type NetpolController, type NetpolControllerOptions, type NetpolStatus } from "./netpol-controller.ts";
export { ensureBridgeNetfilter, removeNetpolRules } from "./apply.ts";
export { NETPOL_TABLE, renderNetpolRuleset } from "./nft-ruleset.ts";
export { computeNetpolState, type NetpolState } from "./policy-model.ts";
