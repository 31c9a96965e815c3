import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "events/test/**/*.test.ts", "test/**/*.test.ts", "stacks/test/**/*.test.ts"],
    setupFiles: ["packages/testing/src/vitest-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
