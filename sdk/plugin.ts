import type { GenericSchema, InferOutput } from "valibot";
import type { ClusterSettings, NodeSettings } from "./cluster-settings.ts";
import type { Logger } from "./logger.ts";
import type { HealthReport } from "./plugin-state.ts";
import type { ServiceRef } from "./service-ref.ts";

/** Reporting channel from a plugin to the host. Calls after stop are ignored. */
export interface StatusReporter {
  /** Replace the plugin's self-reported health. */
  report(report: HealthReport): void;
}

/** Handle a half may return from start; `stop` is awaited (with a timeout) when the host stops. */
export interface PluginHandle {
  stop?(): Promise<void> | void;
}

/** What every half receives. Scoped to one plugin: nothing here reaches the raw store or root HTTP app. */
export interface PluginContext<Config> {
  /** The plugin's id, as declared. */
  readonly id: string;
  /** The plugin's configuration, already validated against its schema (defaults applied). */
  readonly config: Config;
  /** A child logger whose records carry `plugin: id`. */
  readonly log: Logger;
  /** Fires when the host stops the plugin. Every loop the plugin starts must end when it fires. */
  readonly signal: AbortSignal;
  /** Cluster-wide network settings. */
  readonly cluster: ClusterSettings;
  /** A directory owned by this plugin (created on demand by the host), for state that must survive restarts. */
  readonly stateDir: string;
  /** Report health to the admin endpoint. */
  readonly status: StatusReporter;
  /**
   * Run a background task owned by the plugin. If it rejects (other than because `signal` fired),
   * the host marks the plugin Degraded with the error (Failed, and the server stops, if the plugin is critical).
   */
  run(name: string, task: (signal: AbortSignal) => Promise<void>): void;
  /** Get a service the core offers; throws ServiceUnavailableError if this process offers none. */
  use<T>(ref: ServiceRef<T>): T;
  /** Like `use`, but returns undefined when the service is not offered. */
  tryUse<T>(ref: ServiceRef<T>): T | undefined;
}

/** Context of a server half: runs once, in `lite server`. */
export interface ServerContext<Config> extends PluginContext<Config> {
  readonly role: "server";
}

/** Context of a node half: runs in every node's agent (the server's embedded one included). */
export interface NodeContext<Config> extends PluginContext<Config> {
  readonly role: "node";
  readonly node: NodeSettings;
}

export type PluginHalf<Ctx> = (ctx: Ctx) => Promise<PluginHandle | void> | PluginHandle | void;

/** What a plugin author writes. Declaring has no side effect: nothing runs until the host starts it. */
export interface PluginSpec<Schema extends GenericSchema | undefined = undefined> {
  /** Unique, DNS-label-like id (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`): the name `--disable` takes. */
  id: string;
  /** The plugin's own version, shown on the admin endpoint. */
  version?: string;
  /** The SDK versions this plugin works with, as a semver range: "^1", "~1.0", ">=1.0.0", "1.x", "*". */
  sdk: string;
  /** One line saying what the plugin does. */
  description?: string;
  /** Ids of plugins that must be started before this one. A missing or disabled dependency is a startup error. */
  dependsOn?: string[];
  /**
   * A critical plugin that fails to start (or whose background task fails) stops the server with a
   * clear message. A function decides from the validated config (e.g. a CNI with backend "none" is not critical).
   */
  critical?: boolean | ((config: ConfigOf<Schema>) => boolean);
  /** valibot schema for the plugin's configuration; the input is the `plugin-config.<id>` config-file key. */
  config?: Schema;
  server?: PluginHalf<ServerContext<ConfigOf<Schema>>>;
  node?: PluginHalf<NodeContext<ConfigOf<Schema>>>;
}

export type ConfigOf<Schema> = Schema extends GenericSchema ? InferOutput<Schema> : Record<string, never>;

/** A declared plugin, as the host sees it. */
export interface PluginDefinition<Schema extends GenericSchema | undefined = GenericSchema | undefined>
  extends Readonly<PluginSpec<Schema>> {
  readonly kind: "lite.plugin";
}

const ID_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Declare a plugin. Checks the declaration's shape (so an author sees mistakes at load time) and
 * returns it frozen. Throws TypeError on a malformed declaration.
 */
export function definePlugin<Schema extends GenericSchema | undefined = undefined>(
  spec: PluginSpec<Schema>,
): PluginDefinition<Schema> {
  if (typeof spec.id !== "string" || !ID_PATTERN.test(spec.id) || spec.id.length > 63) {
    throw new TypeError(`plugin id ${JSON.stringify(spec.id)} is invalid: expected a DNS label such as "my-plugin"`);
  }
  if (typeof spec.sdk !== "string" || spec.sdk.trim() === "") {
    throw new TypeError(`plugin "${spec.id}": "sdk" must name the SDK range it needs, e.g. "^1"`);
  }
  if (!spec.server && !spec.node) {
    throw new TypeError(`plugin "${spec.id}": declares neither a server nor a node half`);
  }
  for (const dep of spec.dependsOn ?? []) {
    if (typeof dep !== "string" || !ID_PATTERN.test(dep)) {
      throw new TypeError(`plugin "${spec.id}": dependsOn entry ${JSON.stringify(dep)} is not a plugin id`);
    }
  }
  return Object.freeze({ ...spec, dependsOn: Object.freeze([...(spec.dependsOn ?? [])]) as string[], kind: "lite.plugin" as const });
}

/** True when `value` is something `definePlugin` returned (possibly from another copy of the SDK). */
export function isPluginDefinition(value: unknown): value is PluginDefinition {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "lite.plugin";
}
