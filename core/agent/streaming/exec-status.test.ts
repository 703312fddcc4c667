import { expect, test } from "bun:test";
import { SUCCESS, exitCodeStatus, internalError, translateV4Status } from "./exec-status.ts";

test("v4 error-stream JSON becomes what the API server's translator writes to v5 clients", () => {
  expect(translateV4Status("")).toEqual(SUCCESS);
  expect(translateV4Status('{"metadata":{},"status":"Success"}')).toEqual(SUCCESS);
  const containerdExit = JSON.stringify({
    metadata: {},
    status: "Failure",
    message: "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: "3" }] },
  });
  expect(translateV4Status(containerdExit)).toEqual(exitCodeStatus(3));
  expect(JSON.stringify(exitCodeStatus(3))).toBe(
    '{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: command terminated with exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}',
  );
  const other = JSON.stringify({ metadata: {}, status: "Failure", message: "container not running", reason: "InternalError", code: 500 });
  expect(translateV4Status(other)).toEqual(internalError("container not running"));
  expect(JSON.stringify(internalError("boom"))).toBe(
    '{"metadata":{},"status":"Failure","message":"Internal error occurred: boom","reason":"InternalError","details":{"causes":[{"message":"boom"}]},"code":500}',
  );
});

test("malformed v4 statuses are internal errors, as client-go's decoder reports them", () => {
  expect(translateV4Status("not json").message).toStartWith("Internal error occurred: error stream protocol error:");
  expect(translateV4Status('{"status":"Weird"}').message).toBe("Internal error occurred: error stream protocol error: unknown error");
  expect(translateV4Status('{"status":"Failure","reason":"NonZeroExitCode"}').message).toContain("details must be set");
  expect(translateV4Status('{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[]}}').message).toContain("no ExitCode cause given");
  expect(translateV4Status('{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"x"}]}}').message).toContain("invalid exit code value");
});
