import { afterAll } from "vitest";
import { removeTempDirs } from "./temp-dir.ts";

// A setup file runs before every test file, also when test files share a worker's modules
// (the fast lane's isolate off), so each file's temporary folders go when that file ends. A hook
// registered by temp-dir.ts itself would run only for the first file that imported it.
afterAll(removeTempDirs);
