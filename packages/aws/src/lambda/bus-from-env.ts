import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { EventPublisher } from "@cds/functions";
import { EventBridgePublisher } from "../eventbridge-publisher.ts";
import { once, setting } from "./settings.ts";

/** Publishes search events on the stage's bus (`CDS_EVENT_BUS`). */
export const busFromEnv: () => EventPublisher = once(() => new EventBridgePublisher({ client: new EventBridgeClient({}), eventBusName: setting("CDS_EVENT_BUS") }));
