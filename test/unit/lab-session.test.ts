import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Plan } from "../../src/lab/plan.js";
import { onInterrupt } from "../../src/lab-session/interrupts.js";
import { LAB_EXIT, LabFailure, type LabIo } from "../../src/lab-session/lab-io.js";
import { bringUp, withOwnLab } from "../../src/lab-session/session.js";
import { NotReady } from "../../src/runtime/errors.js";
import type { LabRuntime } from "../../src/runtime/lab-runtime.js";

const plan: Plan = {
  lab: "demo",
  run: "r1",
  image: "img",
  version: "0",
  networks: [{ name: "net", subnet: "10.9.0.0/24" }],
  containers: [
    {
      name: "client",
      role: "node",
      attachments: [{ network: "net", ipv4: "10.9.0.10" }],
      net: {} as Plan["containers"][number]["net"],
      impairments: {},
      agentArgs: ["--name", "client"],
      capAdd: [],
      sysctls: {},
    },
  ],
};

function io(): LabIo & { text: () => string } {
  let out = "";
  return {
    root: "/",
    version: "0",
    out: (t) => {
      out += t;
    },
    err: (t) => {
      out += t;
    },
    isTTY: false,
    text: () => out,
  };
}

/** A runtime that records what the session asked of it; `waitReady` is the test's. */
function fakeRuntime(waitReady: LabRuntime["waitReady"]): LabRuntime & { calls: string[] } {
  const calls: string[] = [];
  const unused = () => {
    throw new Error("not used here");
  };
  return {
    calls,
    subnetsInUse: async () => [],
    hasNetem: async () => false,
    prepareImage: async () => "img",
    withLock: (_lab, _image, _version, _waiting, fn) => fn(),
    apply: async (p) => {
      calls.push(`apply ${p.lab}`);
      return { containers: ["c1"], networks: ["n1"] };
    },
    removeLab: async (lab) => {
      calls.push(`removeLab ${lab}`);
      return { containers: 1, networks: 1, stale: [] };
    },
    removeCreated: async () => {
      calls.push("removeCreated");
    },
    labs: async () => [],
    nodes: async () => [],
    found: async () => ({ containers: [], networks: [] }),
    follow: unused,
    recentLines: async () => [],
    waitReady,
    containerAction: unused,
    networkAction: unused,
    impair: unused,
    exec: unused,
    execAttached: unused,
  };
}

describe("the lab session's bring-up", () => {
  it("waits for the agents and leaves the lab up", async () => {
    const runtime = fakeRuntime(async (lab, targets) => {
      runtime.calls.push(`waitReady ${lab} ${targets.map((t) => t.name).join(",")}`);
    });
    const out = io();
    await bringUp(runtime, plan, out);
    assert.deepEqual(runtime.calls, ["apply demo", "waitReady demo client"]);
    assert.match(out.text(), /every agent has started \(1\)/);
  });

  it("removes the fresh lab when an agent is not ready, and fails with exit 1", async () => {
    const runtime = fakeRuntime(async () => {
      throw new NotReady("client exited before it was ready: boom");
    });
    await assert.rejects(
      bringUp(runtime, plan, io()),
      (err: unknown) =>
        err instanceof LabFailure && err.code === LAB_EXIT.failed && /boom/.test(err.message),
    );
    assert.deepEqual(runtime.calls, ["apply demo", "removeLab demo"]);
  });

  it("on SIGINT during the wait removes the lab and fails with exit 130", async () => {
    const runtime = fakeRuntime(
      (_lab, _targets, options) =>
        new Promise((resolve) => {
          options.signal.addEventListener("abort", () => resolve());
          process.emit("SIGINT");
        }),
    );
    await assert.rejects(
      bringUp(runtime, plan, io()),
      (err: unknown) => err instanceof LabFailure && err.code === LAB_EXIT.interrupted,
    );
    assert.deepEqual(runtime.calls, ["apply demo", "removeLab demo"]);
    assert.equal(process.listenerCount("SIGINT"), 0, "no signal listener is left behind");
  });
});

describe("a lab of its own (test)", () => {
  const node = {
    name: "client",
    role: "node",
    state: "running",
    exitCode: null,
    networks: [],
    planned: [],
    created: 0,
  };

  it("is removed after its run", async () => {
    const runtime = fakeRuntime(async () => {});
    assert.equal(await withOwnLab(runtime, plan, "demo.yaml", io(), async () => 42), 42);
    assert.deepEqual(runtime.calls, ["apply demo", "removeLab demo"]);
  });

  it("leaves alone a lab someone brought up while it waited for the lock", async () => {
    const runtime = fakeRuntime(async () => {});
    // up by the time the lock is held (its caller looked before: it was absent then)
    runtime.nodes = async () => [node];
    await assert.rejects(
      withOwnLab(runtime, plan, "demo.yaml", io(), async () => 42),
      (err: unknown) => err instanceof LabFailure && /already up/.test(err.message),
    );
    assert.deepEqual(runtime.calls, [], "nothing created, nothing removed");
  });
});

describe("the session's interrupts", () => {
  it("tells every listener, and stops listening to the process when the last one goes", () => {
    const before = process.listenerCount("SIGTERM");
    const heard: string[] = [];
    const stopA = onInterrupt(() => heard.push("a"));
    const stopB = onInterrupt(() => heard.push("b"));
    assert.equal(process.listenerCount("SIGTERM"), before + 1);
    process.emit("SIGTERM");
    stopA();
    process.emit("SIGTERM");
    stopB();
    assert.deepEqual(heard, ["a", "b", "b"]);
    assert.equal(process.listenerCount("SIGTERM"), before);
  });
});
