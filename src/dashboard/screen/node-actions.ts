/**
 * Chaos on a node at a key press: container actions and network
 * (dis)connects. Each request and its outcome go to the event log, so the
 * user sees what was asked and what came of it.
 */
import { parseImpairmentForm } from "../../lab/impairment-form.js";
import type { ImpairmentSpec } from "../../lab/impairment-state.js";
import { runtimeReason } from "../../runtime/errors.js";
import type { ContainerAction } from "../../runtime/lab-runtime.js";
import type { LabView } from "../lab-view.js";
import type { NodeInfo } from "../node-info.js";
import type { Popups } from "./popups.js";

/** What the dashboard asks of the lab; the caller decides how it is done. */
export interface LabActions {
  container(action: ContainerAction, node: string): Promise<string>;
  network(action: "connect" | "disconnect", node: string, network: string): Promise<string>;
  /** Sets (or, null, clears) the impairment of the node's interface on the network. */
  impair(node: string, network: string, impairment: ImpairmentSpec | null): Promise<string>;
}

export class NodeActions {
  /** `noted` runs after a request is in the log, so the dashboard draws it. */
  constructor(
    private readonly view: LabView,
    private readonly actions: LabActions,
    private readonly popups: Popups,
    private readonly now: () => number,
    private readonly noted: () => void,
  ) {}

  /** Runs on `nodeName` the container action `choose` picks for its state. */
  container(nodeName: string | null, choose: (n: NodeInfo) => ContainerAction): void {
    const node = nodeName === null ? undefined : this.view.node(nodeName);
    if (node === undefined) return;
    const action = choose(node);
    this.act(action, node.name, `${action} ${node.name}`, () =>
      this.actions.container(action, node.name),
    );
  }

  /** Disconnects from a network or connects again; a list when the node has several. */
  network(nodeName: string | null): void {
    const node = nodeName === null ? undefined : this.view.node(nodeName);
    if (node === undefined) return;
    const attached = new Set(node.networks.filter((n) => n.address !== "").map((n) => n.network));
    const choices = node.planned.map((p) => {
      const action = attached.has(p.network) ? ("disconnect" as const) : ("connect" as const);
      return {
        network: p.network,
        action,
        text: `${action} ${action === "connect" ? "to" : "from"} ${p.network}`,
      };
    });
    const run = (c: (typeof choices)[number]) =>
      this.act(
        c.action,
        node.name,
        c.text.replace(/ (to|from) /, ` ${node.name} $1 `),
        () => this.actions.network(c.action, node.name, c.network),
        c.network,
      );
    if (choices.length === 1) run(choices[0] as (typeof choices)[number]);
    else if (choices.length > 1) this.popups.pick(`${node.name}: networks`, choices, run);
  }

  /**
   * Impairs one of the node's interfaces (a list first when it has several) from a line typed
   * in the short form (impairment-form.ts): set, or cleared with `clear` or nothing.
   */
  impair(nodeName: string | null): void {
    const node = nodeName === null ? undefined : this.view.node(nodeName);
    if (node === undefined) return;
    const ask = (network: string) =>
      this.popups.ask(
        `impair ${node.name} on ${network}`,
        "rate, loss (and delay, jitter where the kernel has netem): e.g. 20mbit 2%; clear",
        (line) => {
          const form = parseImpairmentForm(line);
          if (form.kind === "error") return form.message;
          const spec = form.kind === "set" ? form.spec : null;
          const text =
            form.kind === "set"
              ? `impair ${node.name} ${network}: ${form.text}`
              : `clear ${node.name} ${network}`;
          this.act(
            form.kind === "set" ? "impair" : "clear",
            node.name,
            text,
            () => this.actions.impair(node.name, network, spec),
            network,
          );
          return null;
        },
      );
    const networks = node.planned.map((p) => ({ network: p.network, text: p.network }));
    if (networks.length === 1) ask((networks[0] as (typeof networks)[number]).network);
    else if (networks.length > 1)
      this.popups.pick(`${node.name}: impair which interface`, networks, (c) => ask(c.network));
  }

  /** Runs a user's action with its request and outcome in the event log. */
  private act(
    action: string,
    node: string,
    text: string,
    run: () => Promise<string>,
    network: string | null = null,
  ): void {
    const { view, now } = this;
    const fields = { kind: "action", action, node, network };
    view.note(`you: ${text}`, now(), { ...fields, outcome: "requested" });
    run().then(
      (result) => view.note(result, now(), { ...fields, outcome: "done" }),
      (err: unknown) => {
        const reason = runtimeReason(err);
        view.note(`${text} failed: ${reason}`, now(), { ...fields, outcome: "failed", reason });
      },
    );
    this.noted();
  }
}
