import { App, TerraformBackend } from "cdktf";

/**
 * An App that synthesizes with Node alone. cdktf validates a `cloud` backend by running `terraform version`, and
 * cdktf 0.21 ignores its own `skipBackendValidation` flag; so the built-in validation is off here and
 * `validateApp` runs every other construct validation (provider presence among them) itself.
 */
export function createApp(outdir?: string): App {
  return new App({ outdir, skipValidation: true });
}

/** Runs the validations of every construct except backends (which would need the terraform binary); throws on any. */
export function validateApp(app: App): void {
  const errors = app.node
    .findAll()
    .filter((construct) => !(construct instanceof TerraformBackend))
    .flatMap((construct) => construct.node.validate().map((message) => `[${construct.node.path}] ${message}`));
  if (errors.length > 0) throw new Error(`Validation failed:\n  ${errors.join("\n  ")}`);
}
