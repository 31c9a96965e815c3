import type { SSTConfig } from "sst";
import { APP_NAME } from "@cds/aws/stage-state";
import { Console } from "./stacks/Console.ts";
import { Events } from "./stacks/Events.ts";
import { Monitoring } from "./stacks/Monitoring.ts";
import { Pipeline } from "./stacks/Pipeline.ts";
import { State } from "./stacks/State.ts";
import { Storage } from "./stacks/Storage.ts";

export default {
  config(_input) {
    return {
      name: APP_NAME,
      region: "us-east-1",
    };
  },
  stacks(app) {
    app.stack(Storage);
    app.stack(State);
    app.stack(Pipeline);
    app.stack(Events);
    app.stack(Monitoring);
    app.stack(Console);
  },
} satisfies SSTConfig;
