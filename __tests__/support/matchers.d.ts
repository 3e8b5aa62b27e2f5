import "vitest";

interface CdktfMatchers<R = unknown> {
  toHaveResource(type: unknown): R;
  toHaveResourceWithProperties(type: unknown, properties: Record<string, unknown>): R;
  toHaveDataSource(type: unknown): R;
  toHaveDataSourceWithProperties(type: unknown, properties: Record<string, unknown>): R;
  toHaveProvider(type: unknown): R;
  toHaveProviderWithProperties(type: unknown, properties: Record<string, unknown>): R;
}

declare module "vitest" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Assertion<T = unknown> extends CdktfMatchers<T> {}
}
