/**
 * The Traefik CRDs lite serves for the CRD provider's HTTP part: `ingressroutes` and `middlewares`
 * in `traefik.io` (v1alpha1), as K3s 1.32's Traefik v3 installs them (v3 dropped the
 * `traefik.containo.us` group, and serving both would make `kubectl get ingressroutes` ambiguous). Names, scope and versions as Traefik's CRD manifests; the schema is
 * structural, exact for the IngressRoute's routing fields, open (`x-kubernetes-preserve-unknown-fields`)
 * below the parts lite does not read (a Middleware's configuration, TLS options).
 *
 * Created when absent and otherwise left alone; not labelled with `lite.io/plugin`, so that
 * `--disable=traefik` keeps them and the objects users created (as K3s keeps Traefik's CRDs).
 */
import { builtinResources, isAlreadyExists, type ApiClient, type KubeObject } from "@lite/sdk";
import { TRAEFIK_GROUP } from "./ingressroute.ts";

type Schema = Record<string, unknown>;
const str: Schema = { type: "string" };
const int: Schema = { type: "integer" };
const bool: Schema = { type: "boolean" };
const open: Schema = { type: "object", "x-kubernetes-preserve-unknown-fields": true };
const intOrString: Schema = { anyOf: [{ type: "integer" }, { type: "string" }], "x-kubernetes-int-or-string": true };
const ref: Schema = { type: "object", required: ["name"], properties: { name: str, namespace: str } };

const ingressRouteSchema: Schema = {
  type: "object",
  description: "IngressRoute is the CRD implementation of a Traefik HTTP Router.",
  required: ["metadata", "spec"],
  properties: {
    apiVersion: str, kind: str, metadata: { type: "object" },
    spec: {
      type: "object",
      description: "IngressRouteSpec defines the desired state of IngressRoute.",
      required: ["routes"],
      properties: {
        entryPoints: { type: "array", items: str, description: "EntryPoints defines the list of entry point names to bind to (web, websecure). Default: all." },
        parentRefs: { type: "array", items: open },
        routes: {
          type: "array",
          items: {
            type: "object",
            required: ["match"],
            properties: {
              kind: { type: "string", enum: ["Rule"] },
              match: { type: "string", description: "Match defines the router's rule (Traefik v3 syntax)." },
              priority: { type: "integer" },
              syntax: { type: "string", enum: ["v3", "v2"] },
              observability: open,
              middlewares: { type: "array", items: ref },
              services: {
                type: "array",
                items: {
                  type: "object",
                  required: ["name"],
                  "x-kubernetes-preserve-unknown-fields": true,
                  properties: {
                    name: str, namespace: str, kind: { type: "string", enum: ["Service", "TraefikService"] },
                    port: intOrString, weight: { type: "integer", minimum: 0 }, scheme: str, serversTransport: str,
                    passHostHeader: bool, nativeLB: bool, nodePortLB: bool, strategy: str,
                    healthCheck: open, responseForwarding: open, sticky: open,
                  },
                },
              },
            },
          },
        },
        tls: {
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          properties: { secretName: str, certResolver: str, options: ref, store: ref, domains: { type: "array", items: open } },
        },
      },
    },
    status: open,
  },
};

const middlewareSchema: Schema = {
  type: "object",
  description: "Middleware is the CRD implementation of a Traefik Middleware.",
  required: ["metadata", "spec"],
  properties: {
    apiVersion: str, kind: str, metadata: { type: "object" },
    spec: { ...open, description: "MiddlewareSpec defines the desired state of a Middleware (one of redirectScheme, stripPrefix, basicAuth, headers, ...)." },
    status: open,
  },
};

function crd(group: string, kind: string, plural: string, schema: Schema): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}`, labels: { "app.kubernetes.io/managed-by": "lite", "app.kubernetes.io/name": "traefik" } },
    spec: {
      group, scope: "Namespaced",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      versions: [{ name: "v1alpha1", served: true, storage: true, schema: { openAPIV3Schema: schema } }],
    },
  } as KubeObject;
}

export function traefikCrds(): KubeObject[] {
  const out: KubeObject[] = [];
  for (const group of [TRAEFIK_GROUP]) {
    out.push(crd(group, "IngressRoute", "ingressroutes", ingressRouteSchema), crd(group, "Middleware", "middlewares", middlewareSchema));
  }
  return out;
}

/** Creates the CRDs that are missing; existing ones (an operator's or Traefik's own, newer) are kept as they are. */
export async function ensureCrds(client: ApiClient, signal: AbortSignal): Promise<string[]> {
  const created: string[] = [];
  for (const c of traefikCrds()) {
    try {
      await client.create(builtinResources.customResourceDefinitions, c, { signal });
      created.push(c.metadata.name!);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }
  return created;
}
