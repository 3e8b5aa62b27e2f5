import { ConfigError } from "../config/errors";

/**
 * Runs a command-line script's main. A configuration error prints its one line, a bad argument its message and the
 * usage, and both exit 1 without a stack trace; anything else is a bug and is thrown.
 */
export function runCli(main: () => void, usage: string): void {
  try {
    main();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
    } else if (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      console.error(`${error.message}\n${usage}`);
    } else {
      throw error;
    }
    process.exit(1);
  }
}
