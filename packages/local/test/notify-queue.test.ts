import { describe, expect, it } from "vitest";
import { InProcessDeliveryQueue } from "@cds/local";

describe("in-process delivery queue", () => {
  it("holds a delayed message back until its delay has passed", async () => {
    const queue = new InProcessDeliveryQueue<string>();
    await queue.send("later", 0.15);

    const early = await queue.receive();
    const started = Date.now();
    const due = await queue.receive({ waitSeconds: 1 });

    expect(early).toEqual([]);
    expect(due.map((m) => m.body)).toEqual(["later"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it("wakes a waiting receiver as soon as a message is sent", async () => {
    const queue = new InProcessDeliveryQueue<string>();

    const waiting = queue.receive({ waitSeconds: 5 });
    await queue.send("now", 0);

    expect((await waiting).map((m) => m.body)).toEqual(["now"]);
  });

  it("gives an undeleted message back after the visibility timeout, and forgets a deleted one", async () => {
    const queue = new InProcessDeliveryQueue<string>({ visibilityTimeoutSeconds: 0.05 });
    await queue.send("kept", 0);
    await queue.send("done", 0);

    const first = await queue.receive();
    await queue.delete(first.find((m) => m.body === "done")!.receiptHandle);
    const hidden = await queue.receive();
    const again = await queue.receive({ waitSeconds: 1 });

    expect(hidden).toEqual([]);
    expect(again.map((m) => [m.body, m.receiveCount])).toEqual([["kept", 2]]);
    expect(queue.peek()).toEqual(["kept"]);
  });
});
