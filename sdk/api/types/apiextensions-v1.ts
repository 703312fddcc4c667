// apiextensions/v1: declarations of the apiextensions.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object } from "../dsl.ts";

export const apiextensionsV1 = defineApiPackage({
  id: "apiextensions/v1",
  group: "apiextensions.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
  kinds: { CustomResourceDefinition: {} },
  types: {
    CustomResourceDefinition: object("Defines a custom resource type served by the API server.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "CustomResourceDefinitionSpec", { required: true }),
      status: f(3, "CustomResourceDefinitionStatus"),
    }),
    CustomResourceDefinitionSpec: object("Group, names, scope and versions of the custom resource.", {
      group: f(1, "string", "API group of the custom resource.", { required: true }),
      names: f(3, "CustomResourceDefinitionNames", "Kind, plural, singular and short names.", { required: true }),
      scope: f(4, "string", "Namespaced or Cluster.", { required: true }),
      versions: f(7, "[]CustomResourceDefinitionVersion", "Versions served; exactly one is the storage version.", { required: true, listType: "atomic" }),
      conversion: f(9, "*CustomResourceConversion"),
      preserveUnknownFields: f(10, "bool"),
    }),
    CustomResourceDefinitionStatus: object("Conditions and accepted names.", {
      conditions: f(1, "[]CustomResourceDefinitionCondition", { listType: "map", mapKeys: ["type"] }),
      acceptedNames: f(2, "CustomResourceDefinitionNames"),
      storedVersions: f(3, "[]string", { listType: "atomic" }),
    }),
    CustomResourceDefinitionNames: object("Names of a custom resource.", {
      plural: f(1, "string", { required: true }),
      singular: f(2, "string"),
      shortNames: f(3, "[]string", { listType: "atomic" }),
      kind: f(4, "string", { required: true }),
      listKind: f(5, "string"),
      categories: f(6, "[]string", { listType: "atomic" }),
    }),
    CustomResourceDefinitionVersion: object("One served version: schema, subresources and printer columns.", {
      name: f(1, "string", { required: true }),
      served: f(2, "bool", { required: true }),
      storage: f(3, "bool", { required: true }),
      deprecated: f(7, "bool"),
      deprecationWarning: f(8, "*string"),
      schema: f(4, "*CustomResourceValidation"),
      subresources: f(5, "*CustomResourceSubresources"),
      additionalPrinterColumns: f(6, "[]CustomResourceColumnDefinition", { listType: "atomic" }),
      selectableFields: f(9, "[]SelectableField", { listType: "atomic" }),
    }),
    CustomResourceConversion: object("How versions are converted.", {
      strategy: f(1, "string", { required: true }),
      webhook: f(2, "*WebhookConversion"),
    }),
    CustomResourceDefinitionCondition: object("Established, NamesAccepted and other conditions.", {
      type: f(1, "string", { required: true }),
      status: f(2, "string", { required: true }),
      lastTransitionTime: f(3, "Time"),
      reason: f(4, "string"),
      message: f(5, "string"),
    }),
    CustomResourceValidation: object("Validation schema of a version.", {
      openAPIV3Schema: f(1, "*JSON", "OpenAPI v3 schema of the resource (any JSON schema object)."),
    }),
    CustomResourceSubresources: object("Status and scale subresources.", {
      status: f(1, "*CustomResourceSubresourceStatus"),
      scale: f(2, "*CustomResourceSubresourceScale"),
    }),
    CustomResourceColumnDefinition: object("An additional column of table output.", {
      name: f(1, "string", { required: true }),
      type: f(2, "string", { required: true }),
      format: f(3, "string"),
      description: f(4, "string"),
      priority: f(5, "int32"),
      jsonPath: f(6, "string", { required: true }),
    }),
    SelectableField: object("A field usable in field selectors.", {
      jsonPath: f(1, "string", { required: true }),
    }),
    WebhookConversion: object("A conversion webhook.", {
      clientConfig: f(2, "*WebhookClientConfig"),
      conversionReviewVersions: f(3, "[]string", { required: true, listType: "atomic" }),
    }),
    CustomResourceSubresourceStatus: object("Enables the status subresource.", {
  
    }),
    CustomResourceSubresourceScale: object("JSON paths of the scale subresource.", {
      specReplicasPath: f(1, "string", { required: true }),
      statusReplicasPath: f(2, "string", { required: true }),
      labelSelectorPath: f(3, "*string"),
    }),
    WebhookClientConfig: object("How to reach a webhook.", {
      url: f(3, "*string"),
      service: f(1, "*ServiceReference"),
      caBundle: f(2, "bytes"),
    }),
    ServiceReference: object("A service that serves a webhook.", {
      namespace: f(1, "string", { required: true }),
      name: f(2, "string", { required: true }),
      path: f(3, "*string"),
      port: f(4, "*int32"),
    }),
  },
});
