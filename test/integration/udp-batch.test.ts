/**
 * The native addon's batched UDP sends on real sockets: one call hands the
 * kernel many DATA datagrams, each arriving whole, with its own seq and the
 * batch's send time, on a connected socket and to an address on a shared one.
 */
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { after, test } from "node:test";
import { BATCH_MAX, UdpBatchSender } from "../../src/agent/udp-batch.js";
import { type DatagramSource, receiveDatagrams } from "../../src/agent/udp-receive.js";
import { decodeDatagram } from "../../src/protocol/frame-decoder.js";

const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
});

async function bound(host = "127.0.0.1"): Promise<Socket> {
  const s = createSocket(host.includes(":") ? "udp6" : "udp4");
  sockets.push(s);
  await new Promise<void>((resolve) => s.bind(0, host, resolve));
  return s;
}

function collect(receiver: Socket, n: number): Promise<Buffer[]> {
  const got: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${got.length} of ${n} datagrams`)), 5000);
    receiver.on("message", (msg) => {
      got.push(msg);
      if (got.length === n) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

for (const connected of [true, false])
  test(`a batch of DATA datagrams in one call: ${connected ? "connected socket" : "to an address"}`, async () => {
    const receiver = await bound();
    const sender = await bound();
    const { port } = receiver.address();
    if (connected) await new Promise<void>((resolve) => sender.connect(port, "127.0.0.1", resolve));
    const batch = UdpBatchSender.for(sender, connected ? null : { host: "127.0.0.1", port });
    assert.ok(batch, "the addon is built (npm install) and the socket shows its descriptor");
    const frameBytes = 1400;
    // one batch at a time: a receive buffer holds about 90 of these, and this process reads it
    const datagrams: Buffer[] = [];
    for (const first of [0, BATCH_MAX]) {
      const arrived = collect(receiver, BATCH_MAX);
      assert.equal(batch.send(frameBytes, 7, first, BATCH_MAX, 1234.5), BATCH_MAX);
      datagrams.push(...(await arrived));
      receiver.removeAllListeners("message");
    }
    assert.deepEqual(
      datagrams.map((d) => {
        const frame = decodeDatagram(d);
        assert.equal(d.length, frameBytes);
        assert.equal(frame.kind, "data");
        return frame.kind === "data"
          ? [frame.header.round, frame.header.seq, frame.header.sendTimeMs]
          : [];
      }),
      Array.from({ length: 2 * BATCH_MAX }, (_, i) => [7, i, 1234.5]),
    );
    assert.ok(
      datagrams.every((d) => d.subarray(24).every((b) => b === 0)),
      "zero payloads",
    );
  });

test("without the addon (CONNTEST_NO_ADDON) there is no batch sender", async () => {
  const socket = await bound();
  process.env.CONNTEST_NO_ADDON = "1";
  try {
    assert.equal(UdpBatchSender.for(socket, null), null);
  } finally {
    delete process.env.CONNTEST_NO_ADDON;
  }
});

for (const host of ["127.0.0.1", "::1"])
  test(`batched reads deliver every datagram whole, with its source: ${host}`, {
    timeout: 30_000,
  }, async () => {
    const receiver = await bound(host);
    const got: { text: string; from: DatagramSource }[] = [];
    const arrivals: { kernel: number | undefined; read: number }[] = [];
    const sentFrom = performance.now();
    const all = new Promise<void>((resolve) => {
      const how = receiveDatagrams(receiver, (datagram, from, arrivalMs) => {
        // the slot is reused: what is kept is copied (here, as text)
        got.push({ text: datagram.toString(), from });
        arrivals.push({ kernel: arrivalMs, read: performance.now() });
        if (got.length === 300) resolve();
      });
      assert.equal(how, "batched");
    });
    const senders = [await bound(host), await bound(host)];
    for (let i = 0; i < 300; i++) {
      const sender = senders[i % 2] as Socket;
      // sizes 1 to 4,000 bytes: bigger than the old slots, smaller than the new
      sender.send(
        Buffer.from(`${i}:`.padEnd(1 + ((i * 13) % 4000), "x")),
        receiver.address().port,
        host,
      );
      // paced: this process reads too, and a full receive buffer would drop some
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.race([
      all,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`${got.length} of 300 datagrams arrived`)), 10_000),
      ),
    ]);
    // the kernel's arrival times, on this process's clock: after the first send, before the read
    for (const a of arrivals) {
      assert.ok(a.kernel !== undefined, "stamped by the kernel (SO_TIMESTAMPNS)");
      assert.ok(
        a.kernel >= sentFrom - 1 && a.kernel <= a.read + 1,
        JSON.stringify({ sentFrom, ...a }),
      );
    }
    const bySender = senders.map((s) => s.address().port);
    got.forEach(({ text, from }, n) => {
      const i = Number(text.split(":")[0]);
      assert.equal(
        text.length,
        Math.max(text.indexOf(":") + 1, 1 + ((i * 13) % 4000)),
        `datagram ${i}`,
      );
      assert.equal(from.address, host);
      assert.equal(from.port, bySender[i % 2], `datagram ${i}'s source port`);
      assert.equal(from.family, host.includes(":") ? "IPv6" : "IPv4");
      assert.equal(i, n, "in order");
    });
  });

test("batched reads report a refused peer (ICMP port unreachable) as an error event", {
  timeout: 30_000,
}, async () => {
  const gone = await bound();
  const port = gone.address().port;
  await new Promise<void>((resolve) => gone.close(() => resolve()));
  sockets.splice(sockets.indexOf(gone), 1);
  const client = await bound();
  await new Promise<void>((resolve) => client.connect(port, "127.0.0.1", resolve));
  const refused = new Promise<string>((resolve) =>
    client.on("error", (err: NodeJS.ErrnoException) => resolve(String(err.code))),
  );
  assert.equal(
    receiveDatagrams(client, () => {}),
    "batched",
  );
  client.send(Buffer.from("anyone?"));
  assert.equal(await refused, "ECONNREFUSED");
});
