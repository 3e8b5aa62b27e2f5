import { join } from "node:path";

/**
 * Node arguments that run a TypeScript file as the npm scripts do (`node --require ./scripts/register-ts.cjs`):
 * spawn `process.execPath` with these, then the file and its arguments.
 */
export const NODE_TS_ARGS: readonly string[] = ["--require", join(__dirname, "..", "..", "scripts", "register-ts.cjs")];
