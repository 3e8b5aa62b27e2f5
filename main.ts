import { ConfigError } from "./config/errors";
import { loadAllEnvironments } from "./config/load";
import { createStacks } from "./stacks";
import { createApp } from "./stacks/app-factory";

// The only place the process environment is read: LANGFUSE_ENV selects the environment (default dev);
// LANGFUSE_CONFIG names another environments file (the tests point it at their own).
try {
  const { selected, all, warnings } = loadAllEnvironments(process.env.LANGFUSE_CONFIG ?? "environments.yaml", process.env.LANGFUSE_ENV, new Date().toISOString().slice(0, 10));
  warnings.forEach((warning) => console.warn(`warning: ${warning}`));
  const app = createApp();
  createStacks(app, selected, all);
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
