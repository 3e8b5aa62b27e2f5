import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["__tests__/**/*.test.ts", "lambda/**/*.test.ts"],
    setupFiles: ["__tests__/support/setup.ts"],
    // chdb keeps one data path per process: forks give every test file its own.
    pool: "forks",
    testTimeout: 30_000,
  },
});
