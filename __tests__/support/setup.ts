import { Testing } from "cdktf";
import { expect } from "vitest";

// cdktf's matchers are written for Jest's global `expect`; vitest's is API-compatible.
(globalThis as { expect?: unknown }).expect ??= expect;
Testing.setupJest();
