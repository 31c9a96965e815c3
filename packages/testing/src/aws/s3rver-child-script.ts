import { fileURLToPath } from "node:url";

/** The path of s3rver-child.js, for `node --openssl-legacy-provider <script> <directory> <bucket>` (see its header). */
export const s3rverChildScript = fileURLToPath(new URL("./s3rver-child.js", import.meta.url));
