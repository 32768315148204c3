import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Arrival, SequenceTracker, WINDOW } from "../../src/stats/sequence-tracker.js";

interface Counts {
  received: number;
  lost: number;
  outOfOrder: number;
  duplicates: number;
  tooOld: number;
  expected: number;
}

function counts(t: SequenceTracker): Counts {
  return {
    received: t.received,
    lost: t.lost,
    outOfOrder: t.outOfOrder,
    duplicates: t.duplicates,
    tooOld: t.tooOld,
    expected: t.expected,
  };
}

/** Feeds seqs with a constant transit time (jitter stays 0); returns what each one was. */
function feed(t: SequenceTracker, seqs: number[]): Arrival[] {
  return seqs.map((seq) => t.receive(seq, seq, seq + 5));
}

describe("SequenceTracker counts", () => {
  it("starts empty", () => {
    const t = new SequenceTracker();
    assert.deepEqual(counts(t), {
      received: 0,
      lost: 0,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 0,
    });
    assert.equal(t.sent, null);
    assert.equal(t.jitterMs, 0);
    assert.equal(WINDOW, 65_536);
  });

  it("in order: 0..9 all received, nothing lost", () => {
    const t = new SequenceTracker();
    assert.deepEqual(feed(t, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), Array(10).fill("in-order"));
    assert.deepEqual(counts(t), {
      received: 10,
      lost: 0,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 10,
    });
  });

  it("a first datagram that is not seq 0 counts the ones before it as lost", () => {
    const t = new SequenceTracker();
    // seq 3 first: 0, 1, 2 are missing
    assert.deepEqual(feed(t, [3]), ["in-order"]);
    assert.deepEqual(counts(t), {
      received: 1,
      lost: 3,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 4,
    });
  });

  it("a gap counts the missing datagrams as lost", () => {
    const t = new SequenceTracker();
    // 0, 1 in order; 4 skips 2 and 3 (lost 2); 5 in order
    assert.deepEqual(feed(t, [0, 1, 4, 5]), ["in-order", "in-order", "in-order", "in-order"]);
    assert.deepEqual(counts(t), {
      received: 4,
      lost: 2,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 6,
    });
  });

  it("a late datagram after a gap is out-of-order and no longer lost", () => {
    const t = new SequenceTracker();
    // 0, 1, then 4 (2 and 3 lost: lost = 2), then 2 arrives late (lost = 1, ooo = 1)
    assert.deepEqual(feed(t, [0, 1, 4, 2]), ["in-order", "in-order", "in-order", "out-of-order"]);
    assert.deepEqual(counts(t), {
      received: 4,
      lost: 1,
      outOfOrder: 1,
      duplicates: 0,
      tooOld: 0,
      expected: 5,
    });
    // then 3 arrives late too (lost = 0, ooo = 2)
    assert.equal(t.receive(3, 0, 0), "out-of-order");
    assert.deepEqual(counts(t), {
      received: 5,
      lost: 0,
      outOfOrder: 2,
      duplicates: 0,
      tooOld: 0,
      expected: 5,
    });
  });

  it("a duplicate counts once, only as a duplicate", () => {
    const t = new SequenceTracker();
    // 0, 1, 1 (dup), 2, 0 (dup of an old one: not out-of-order), 2 (dup of the newest)
    assert.deepEqual(feed(t, [0, 1, 1, 2, 0, 2]), [
      "in-order",
      "in-order",
      "duplicate",
      "in-order",
      "duplicate",
      "duplicate",
    ]);
    assert.deepEqual(counts(t), {
      received: 3,
      lost: 0,
      outOfOrder: 0,
      duplicates: 3,
      tooOld: 0,
      expected: 3,
    });
  });

  it("a duplicate of a late datagram", () => {
    const t = new SequenceTracker();
    // 0; 2 (1 lost); 1 late (lost 0, ooo 1); 1 again (dup 1, ooo stays 1, lost stays 0)
    assert.deepEqual(feed(t, [0, 2, 1, 1]), ["in-order", "in-order", "out-of-order", "duplicate"]);
    assert.deepEqual(counts(t), {
      received: 3,
      lost: 0,
      outOfOrder: 1,
      duplicates: 1,
      tooOld: 0,
      expected: 3,
    });
  });

  it("finish(sent) counts the lost tail", () => {
    const t = new SequenceTracker();
    feed(t, [0, 1, 2]);
    // the sender sent 0..4: 3 and 4 never came
    t.finish(5);
    assert.equal(t.sent, 5);
    assert.deepEqual(counts(t), {
      received: 3,
      lost: 2,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 5,
    });
  });

  it("finish with nothing received: all lost", () => {
    const t = new SequenceTracker();
    t.finish(4);
    assert.deepEqual(counts(t), {
      received: 0,
      lost: 4,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 4,
    });
  });

  it("finish(0) with nothing received: nothing lost", () => {
    const t = new SequenceTracker();
    t.finish(0);
    assert.equal(t.sent, 0);
    assert.equal(t.lost, 0);
    assert.equal(t.expected, 0);
  });

  it("finish twice: the second call changes nothing", () => {
    const t = new SequenceTracker();
    feed(t, [0, 1]);
    t.finish(3); // seq 2 lost
    t.finish(10); // ignored
    t.finish(3); // ignored: not counted again
    assert.equal(t.sent, 3);
    assert.deepEqual(counts(t), {
      received: 2,
      lost: 1,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 3,
    });
  });

  it("finish when everything arrived adds nothing", () => {
    const t = new SequenceTracker();
    feed(t, [0, 1, 2, 3]);
    t.finish(4);
    assert.equal(t.lost, 0);
    assert.equal(t.expected, 4);
  });

  it("a tail datagram arriving after finish is late, not lost", () => {
    const t = new SequenceTracker();
    feed(t, [0, 1, 2]);
    t.finish(5); // 3, 4 lost
    assert.equal(t.receive(3, 0, 0), "out-of-order"); // lost 1, ooo 1
    assert.deepEqual(counts(t), {
      received: 4,
      lost: 1,
      outOfOrder: 1,
      duplicates: 0,
      tooOld: 0,
      expected: 5,
    });
  });

  it("the mix [0,1,3,2,2,5,4,9] then finish(11)", () => {
    const t = new SequenceTracker();
    // seq  kind          received lost ooo dup  next
    // 0    in-order      1        0    0   0    1
    // 1    in-order      2        0    0   0    2
    // 3    in-order      3        1    0   0    4   (2 missing)
    // 2    out-of-order  4        0    1   0    4
    // 2    duplicate     4        0    1   1    4
    // 5    in-order      5        1    1   1    6   (4 missing)
    // 4    out-of-order  6        0    2   1    6
    // 9    in-order      7        3    2   1    10  (6, 7, 8 missing)
    // finish(11):        7        4    2   1    11  (10 missing)
    assert.deepEqual(feed(t, [0, 1, 3, 2, 2, 5, 4, 9]), [
      "in-order",
      "in-order",
      "in-order",
      "out-of-order",
      "duplicate",
      "in-order",
      "out-of-order",
      "in-order",
    ]);
    assert.deepEqual(counts(t), {
      received: 7,
      lost: 3,
      outOfOrder: 2,
      duplicates: 1,
      tooOld: 0,
      expected: 10,
    });
    t.finish(11);
    assert.deepEqual(counts(t), {
      received: 7,
      lost: 4,
      outOfOrder: 2,
      duplicates: 1,
      tooOld: 0,
      expected: 11,
    });
  });
});

describe("SequenceTracker jitter (RFC 3550 6.4.1)", () => {
  /** Datagram i sent at 1000*i ms, arriving `transit` ms later. */
  const at = (t: SequenceTracker, seq: number, transit: number) =>
    t.receive(seq, 1000 * seq, 1000 * seq + transit);

  it("transit times 10, 12, 11, 15 ms", () => {
    const t = new SequenceTracker();
    at(t, 0, 10);
    // J0 = 0: one transit time has no difference yet
    assert.equal(t.jitterMs, 0);
    at(t, 1, 12);
    // J1 = J0 + (|12 - 10| - J0) / 16 = 0 + 2 / 16 = 0.125
    const j1 = 0.125;
    assert.ok(Math.abs(t.jitterMs - j1) < 1e-9, `${t.jitterMs}`);
    at(t, 2, 11);
    // J2 = J1 + (|11 - 12| - J1) / 16 = 0.125 + 0.875 / 16 = 0.125 + 0.0546875 = 0.1796875
    const j2 = 0.1796875;
    assert.ok(Math.abs(t.jitterMs - j2) < 1e-9, `${t.jitterMs}`);
    at(t, 3, 15);
    // J3 = J2 + (|15 - 11| - J2) / 16 = 0.1796875 + 3.8203125 / 16
    //    = 0.1796875 + 0.23876953125 = 0.41845703125
    const j3 = 0.41845703125;
    assert.ok(Math.abs(t.jitterMs - j3) < 1e-9, `${t.jitterMs}`);
  });

  it("duplicates change neither the jitter nor the last transit time", () => {
    const t = new SequenceTracker();
    at(t, 0, 10);
    at(t, 1, 12);
    at(t, 2, 11);
    at(t, 3, 15); // J = 0.41845703125 as above
    assert.equal(at(t, 2, 100), "duplicate");
    assert.equal(at(t, 3, 1), "duplicate");
    assert.ok(Math.abs(t.jitterMs - 0.41845703125) < 1e-9);
    at(t, 4, 15);
    // the last transit is still 15 (not 100 or 1), so D = 0:
    // J4 = J3 + (0 - J3) / 16 = J3 * 15 / 16 = 0.41845703125 * 15 / 16
    //    = 6.27685546875 / 16 = 0.392303466796875
    assert.ok(Math.abs(t.jitterMs - 0.392303466796875) < 1e-9, `${t.jitterMs}`);
  });

  it("late datagrams count in arrival order", () => {
    const t = new SequenceTracker();
    at(t, 0, 10);
    at(t, 2, 10); // J = 0
    assert.equal(at(t, 1, 30), "out-of-order");
    // J = 0 + (|30 - 10| - 0) / 16 = 1.25
    assert.ok(Math.abs(t.jitterMs - 1.25) < 1e-9, `${t.jitterMs}`);
  });

  it("too-old datagrams change neither the jitter nor the last transit time", () => {
    const t = new SequenceTracker();
    at(t, 0, 10);
    at(t, WINDOW + 5, 10); // J = 0; seqs below 6 are now too old
    assert.equal(at(t, 1, 500), "too-old");
    assert.equal(t.jitterMs, 0);
    at(t, WINDOW + 6, 26);
    // J = (|26 - 10| - 0) / 16 = 1
    assert.ok(Math.abs(t.jitterMs - 1) < 1e-9, `${t.jitterMs}`);
  });

  it("a constant transit time gives zero jitter whatever the order", () => {
    const t = new SequenceTracker();
    for (const seq of [0, 3, 1, 2, 7, 5]) at(t, seq, 42);
    assert.equal(t.jitterMs, 0);
  });
});

describe("SequenceTracker window of 65,536 seqs", () => {
  it("a seq older than WINDOW below the highest is too-old, counted only there", () => {
    const t = new SequenceTracker();
    feed(t, [0, WINDOW]); // lost 1..65535 = 65,535; next expected 65,537
    assert.deepEqual(counts(t), {
      received: 2,
      lost: 65_535,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 65_537,
    });
    // the window is 1 .. 65,536: seq 0 is older (and was received, yet not a "duplicate")
    assert.equal(t.receive(0, 0, 0), "too-old");
    assert.deepEqual(counts(t), {
      received: 2,
      lost: 65_535,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 1,
      expected: 65_537,
    });
    // seq 1, the oldest inside the window, was never received: late
    assert.equal(t.receive(1, 0, 0), "out-of-order");
    assert.equal(t.lost, 65_534);
    assert.equal(t.receive(1, 0, 0), "duplicate");
    assert.equal(t.receive(0, 0, 0), "too-old");
    assert.deepEqual(counts(t), {
      received: 3,
      lost: 65_534,
      outOfOrder: 1,
      duplicates: 1,
      tooOld: 2,
      expected: 65_537,
    });
  });

  it("a jump larger than WINDOW clears the bitmap: no false duplicates", () => {
    const t = new SequenceTracker();
    feed(t, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // bits 0..9 set; next 10
    const far = 10 + WINDOW + 5; // 65,551: 65,541 seqs (10 .. 65,550) missing
    assert.equal(t.receive(far, 0, 0), "in-order");
    assert.equal(t.lost, 65_541);
    assert.equal(t.expected, 65_552);
    // the window is now 16 .. 65,551.
    // 65,539 shares bit 3 with seq 3 and 65,545 bit 9 with seq 9: both never received
    assert.equal(t.receive(WINDOW + 3, 0, 0), "out-of-order");
    assert.equal(t.receive(WINDOW + 9, 0, 0), "out-of-order");
    // 20 is inside the window and never received
    assert.equal(t.receive(20, 0, 0), "out-of-order");
    // 15 and 5 are older than the window
    assert.equal(t.receive(15, 0, 0), "too-old");
    assert.equal(t.receive(5, 0, 0), "too-old");
    assert.equal(t.receive(far, 0, 0), "duplicate");
    assert.deepEqual(counts(t), {
      received: 14, // 10 + far + three late ones
      lost: 65_538, // 65,541 - 3 late
      outOfOrder: 3,
      duplicates: 1,
      tooOld: 2,
      expected: 65_552,
    });
  });

  it("a jump of exactly WINDOW from the next expected seq also clears the bitmap", () => {
    const t = new SequenceTracker();
    feed(t, [0, 1, 2]); // next 3
    // seq 3 + 65,536 = 65,539: the window becomes 4 .. 65,539; 65,538 shares bit 2 with seq 2
    assert.equal(t.receive(3 + WINDOW, 0, 0), "in-order");
    assert.equal(t.lost, 65_536); // 3 .. 65,538
    assert.equal(t.receive(WINDOW + 2, 0, 0), "out-of-order");
    assert.equal(t.receive(WINDOW + 1, 0, 0), "out-of-order"); // bit 1
    assert.equal(t.receive(4, 0, 0), "out-of-order"); // the oldest in the window
    assert.equal(t.receive(3, 0, 0), "too-old");
    assert.equal(t.lost, 65_533);
  });

  it("a jump just inside WINDOW keeps the old seqs still in the window", () => {
    const t = new SequenceTracker();
    feed(t, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // next 10
    const far = 9 + WINDOW - 1; // 65,544: the window becomes 9 .. 65,544
    assert.equal(t.receive(far, 0, 0), "in-order");
    assert.equal(t.lost, 65_534); // 10 .. 65,543
    // seq 9 is still in the window and was received: a real duplicate
    assert.equal(t.receive(9, 0, 0), "duplicate");
    // seq 8 is just out of it
    assert.equal(t.receive(8, 0, 0), "too-old");
    // 65,537 shares bit 1 with seq 1, which left the window: not a duplicate
    assert.equal(t.receive(WINDOW + 1, 0, 0), "out-of-order");
    assert.equal(t.receive(10, 0, 0), "out-of-order");
    assert.deepEqual(counts(t), {
      received: 13,
      lost: 65_532,
      outOfOrder: 2,
      duplicates: 1,
      tooOld: 1,
      expected: 65_545,
    });
  });

  it("a long in-order run slides the window without false duplicates", () => {
    const t = new SequenceTracker();
    const n = 2 * WINDOW + 10; // 131,082
    for (let seq = 0; seq < n; seq++) {
      if (t.receive(seq, seq, seq) !== "in-order") assert.fail(`seq ${seq}`);
    }
    assert.deepEqual(counts(t), {
      received: 131_082,
      lost: 0,
      outOfOrder: 0,
      duplicates: 0,
      tooOld: 0,
      expected: 131_082,
    });
    assert.equal(t.receive(n - 1, 0, 0), "duplicate");
    assert.equal(t.receive(n - WINDOW, 0, 0), "duplicate"); // the oldest in the window
    assert.equal(t.receive(n - WINDOW - 1, 0, 0), "too-old");
  });
});
