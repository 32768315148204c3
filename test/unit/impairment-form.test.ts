import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseImpairmentForm } from "../../src/lab/impairment-form.js";

describe("the dashboard's impairment form", () => {
  it("takes bare values by their unit, names with values, and key=value", () => {
    assert.deepEqual(parseImpairmentForm("20mbit 2%"), {
      kind: "set",
      spec: { rate: "20mbit", loss: "2%" },
      text: "rate 20mbit, loss 2%",
    });
    assert.deepEqual(parseImpairmentForm("rate 1g, loss 0.5%").kind, "set");
    assert.deepEqual(parseImpairmentForm("delay=20ms jitter=5ms"), {
      kind: "set",
      spec: { delay: "20ms", jitter: "5ms" },
      text: "delay 20ms, jitter 5ms",
    });
    // a second time is the jitter
    assert.deepEqual(parseImpairmentForm("20ms 5ms"), {
      kind: "set",
      spec: { delay: "20ms", jitter: "5ms" },
      text: "delay 20ms, jitter 5ms",
    });
  });

  it("clears on nothing, clear, none or off", () => {
    for (const text of ["", "  ", "clear", "none", "OFF"])
      assert.deepEqual(parseImpairmentForm(text), { kind: "clear" });
  });

  it("says what is wrong, as a lab file's check would", () => {
    assert.deepEqual(parseImpairmentForm("fast"), {
      kind: "error",
      message:
        '"fast": a value without a unit this form knows; write e.g. rate 20mbit, loss 2%, delay 20ms',
    });
    assert.deepEqual(parseImpairmentForm("speed=1m").kind, "error");
    assert.match(
      (parseImpairmentForm("loss 200%") as { message: string }).message,
      /^loss: "200%" is not a percentage/,
    );
    assert.match(
      (parseImpairmentForm("jitter 5ms") as { message: string }).message,
      /^jitter: jitter without delay/,
    );
    assert.match(
      (parseImpairmentForm("rate") as { message: string }).message,
      /^rate without a value/,
    );
  });
});
