// authentication/v1: declarations of the authentication.k8s.io v1 API types served by lite (field facts from upstream 1.32).
import { defineApiPackage, f, object, wrappedList } from "../dsl.ts";

export const authenticationV1 = defineApiPackage({
  id: "authentication/v1",
  group: "authentication.k8s.io",
  version: "v1",
  openapiPrefix: "io.k8s.api.authentication.v1",
  kinds: { TokenRequest: { list: false }, TokenReview: { list: false }, SelfSubjectReview: { list: false } },
  types: {
    TokenRequest: object("Requests a token for a service account.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "TokenRequestSpec", { required: true }),
      status: f(3, "TokenRequestStatus"),
    }),
    TokenReview: object("Asks the server to authenticate a token.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      spec: f(2, "TokenReviewSpec", { required: true }),
      status: f(3, "TokenReviewStatus"),
    }),
    SelfSubjectReview: object("Reports how the server sees the requesting user.", {
      metadata: f(1, "meta/v1.ObjectMeta"),
      status: f(2, "SelfSubjectReviewStatus"),
    }),
    TokenRequestSpec: object("Audiences, lifetime and binding of the requested token.", {
      audiences: f(1, "[]string", "Intended audiences of the token.", { required: true, listType: "atomic" }),
      expirationSeconds: f(4, "*int64", "Requested lifetime in seconds."),
      boundObjectRef: f(3, "*BoundObjectReference", "Object the token is bound to; the token dies with it."),
    }),
    TokenRequestStatus: object("The issued token and its expiry.", {
      token: f(1, "string", "The issued token.", { required: true }),
      expirationTimestamp: f(2, "Time", "When the token expires.", { required: true }),
    }),
    TokenReviewSpec: object("The token and its expected audiences.", {
      token: f(1, "string"),
      audiences: f(2, "[]string", { listType: "atomic" }),
    }),
    TokenReviewStatus: object("Whether the token is valid, and whose it is.", {
      authenticated: f(1, "bool"),
      user: f(2, "UserInfo"),
      audiences: f(4, "[]string", { listType: "atomic" }),
      error: f(3, "string"),
    }),
    SelfSubjectReviewStatus: object("The requester's user information.", {
      userInfo: f(1, "UserInfo"),
    }),
    BoundObjectReference: object("An object a token is bound to.", {
      kind: f(1, "string"),
      apiVersion: f(2, "string"),
      name: f(3, "string"),
      uid: f(4, "string"),
    }),
    UserInfo: object("A user's name, uid, groups and extra attributes.", {
      username: f(1, "string"),
      uid: f(2, "string"),
      groups: f(3, "[]string", { listType: "atomic" }),
      extra: f(4, "map<ExtraValue>"),
    }),
    ExtraValue: wrappedList("string"),
  },
});
