import { expect, test } from "bun:test";
import { apiErrors, fieldErrors, toApiError } from "./index.ts";

test("NotFound / AlreadyExists / Conflict messages and details as upstream", () => {
  expect(apiErrors.notFound({ group: "", resource: "pods" }, "web").toStatus()).toEqual({
    kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: 'pods "web" not found', reason: "NotFound", details: { name: "web", kind: "pods" }, code: 404,
  });
  expect(apiErrors.alreadyExists({ group: "apps", resource: "deployments" }, "x").message).toBe('deployments.apps "x" already exists');
  expect(apiErrors.alreadyExists({ group: "apps", resource: "deployments" }, "x").details).toEqual({ name: "x", group: "apps", kind: "deployments" });
  expect(apiErrors.modified({ group: "", resource: "pods" }, "web").message).toBe('Operation cannot be fulfilled on pods "web": the object has been modified; please apply your changes to the latest version and try again');
});

test("Invalid carries causes with field paths", () => {
  const e = apiErrors.invalid("", "Pod", "web-9", [fieldErrors.required("spec.containers[0].image")]);
  expect(e.code).toBe(422);
  expect(e.message).toBe('Pod "web-9" is invalid: spec.containers[0].image: Required value');
  expect(e.details?.causes).toEqual([{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers[0].image" }]);
  const two = apiErrors.invalid("apps", "Deployment", "d", [fieldErrors.required("a"), fieldErrors.invalid("b", "x", "bad")]);
  expect(two.message).toBe('Deployment.apps "d" is invalid: [a: Required value, b: Invalid value: "x": bad]');
});

test("codes of the other reasons", () => {
  expect(apiErrors.badRequest("x").code).toBe(400);
  expect(apiErrors.unauthorized().toStatus().message).toBe("Unauthorized");
  expect(apiErrors.methodNotAllowed().code).toBe(405);
  expect(apiErrors.notAcceptable(["application/json"]).code).toBe(406);
  expect(apiErrors.unsupportedMediaType("x", ["application/json"]).code).toBe(415);
  expect(apiErrors.requestEntityTooLarge(3145728).message).toBe("Request entity too large: limit is 3145728");
  expect(apiErrors.tooOldResourceVersion(1, 100).toStatus()).toMatchObject({ reason: "Expired", code: 410, message: "too old resource version: 1 (100)" });
  expect(apiErrors.gone("x").reason).toBe("Gone");
  expect(apiErrors.tooManyRequests("slow").code).toBe(429);
  const internal = toApiError(new Error("boom"));
  expect(internal.code).toBe(500);
  expect(internal.message).toBe("Internal error occurred: boom");
  expect(internal.cause).toBeInstanceOf(Error);
});
