import { Testing } from "cdktf";
import { expect } from "vitest";

// cdktf's matchers are written for Jest's global `expect`; vitest's is API-compatible.
(globalThis as { expect?: unknown }).expect ??= expect;
Testing.setupJest();

/*
 * cdktf captures a full stack trace for every token and computed attribute it creates (thousands per synth), into
 * a plain object, to decorate a later token error; under vitest each of those traces is also source-mapped, which
 * made up a third of a synth's time, and collecting the frames (with no depth limit) cost a tenth of the stacks
 * tests' CPU even unformatted. Traces captured into anything but an Error are left empty here, without collecting
 * them; every Error's stack, assertion failures included, is captured and formatted as before.
 */
const INSTALLED = Symbol.for("langfuse-tests.cheap-plain-object-traces");
// Setup files run once per test file and workers keep their globals between files: wrap once.
if (!(INSTALLED in Error)) {
  const formatStack = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    if (!(error instanceof Error)) return "";
    return formatStack ? formatStack(error, frames) : `${error}\n${frames.map((frame) => `    at ${frame}`).join("\n")}`;
  };
  const captureStackTrace = Error.captureStackTrace;
  Error.captureStackTrace = (target: object, below?: Function) => {
    if (target instanceof Error) captureStackTrace(target, below);
    else Object.assign(target, { stack: "" });
  };
  Object.defineProperty(Error, INSTALLED, { value: true });
}
