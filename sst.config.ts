import type { SSTConfig } from "sst";
import { Storage } from "./stacks/Storage.ts";

export default {
  config(_input) {
    return {
      name: "cdm-search",
      region: "us-east-1",
    };
  },
  stacks(app) {
    app.stack(Storage);
  },
} satisfies SSTConfig;
