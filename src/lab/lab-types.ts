/** Types of a lab file, inferred from the schema in lab-schema.ts. */

import type { z } from "zod";
import type {
  AttachmentSchema,
  ChaosSchema,
  ExpectationSchema,
  FirewallRuleSchema,
  ForwardSchema,
  HostSchema,
  ImpairmentSchema,
  ImpairTargetSchema,
  InterfaceSchema,
  LabSchema,
  NetworkSchema,
  NodeSchema,
  RouterSchema,
  StepSchema,
} from "./lab-schema.js";

export type Lab = z.infer<typeof LabSchema>;
export type LabHost = z.infer<typeof HostSchema>;
export type LabNetwork = z.infer<typeof NetworkSchema>;
export type LabRouter = z.infer<typeof RouterSchema>;
export type LabInterface = z.infer<typeof InterfaceSchema>;
export type LabNode = z.infer<typeof NodeSchema>;
export type LabAttachment = z.infer<typeof AttachmentSchema>;
export type LabForward = z.infer<typeof ForwardSchema>;
export type LabFirewallRule = z.infer<typeof FirewallRuleSchema>;
export type LabImpairment = z.infer<typeof ImpairmentSchema>;
export type LabStep = z.infer<typeof StepSchema>;
export type LabChaos = z.infer<typeof ChaosSchema>;
export type LabExpectation = z.infer<typeof ExpectationSchema>;
export type LabImpairTarget = z.infer<typeof ImpairTargetSchema>;

/** A path into the lab document: field names and list indexes. */
export type LabPath = readonly (string | number)[];

/**
 * What kind of problem a lab issue is, for programs (tests, editors); people read the message.
 * Like the yaml package's `ErrorCode`: a closed set of strings.
 */
export type LabIssueCode =
  /** The file cannot be read. */
  | "UNREADABLE"
  /** Not YAML, or more than one document. */
  | "YAML_SYNTAX"
  /** A field the schema does not know. */
  | "UNKNOWN_FIELD"
  /** A required field is absent. */
  | "MISSING_FIELD"
  /** A value of the wrong type or form for the schema; an empty list where one is needed. */
  | "BAD_SHAPE"
  /** A value of the right type that does not parse: a duration, rate, percentage, listen or connect spec. */
  | "BAD_VALUE"
  /** Not IPv4 CIDR, host bits set, or a prefix out of range. */
  | "BAD_SUBNET"
  /** Two subnets overlap (in the lab, or with a Docker network on the engine). */
  | "SUBNET_OVERLAP"
  /** An address outside its subnet, or its network or broadcast address. */
  | "BAD_ADDRESS"
  /** An address already taken. */
  | "ADDRESS_IN_USE"
  /** A subnet too small for what is planned on it. */
  | "NO_FREE_ADDRESS"
  /** A name used twice. */
  | "DUPLICATE_NAME"
  /** A name that refers to no network, node, router or step of the lab. */
  | "UNKNOWN_REFERENCE"
  /** Things that exist but are not connected as the field needs (no interface, not listening). */
  | "NOT_CONNECTED"
  /** Fields that exclude each other, or one that needs another (jitter needs delay). */
  | "FIELD_CONFLICT"
  /** A value that does nothing (rate 0, no_crash: false, an impairment that sets nothing). */
  | "NO_EFFECT"
  /** The engine's kernel cannot make a netem impairment. */
  | "NETEM_UNAVAILABLE"
  /** An address in the tail of an overlay network's subnet that Docker keeps for itself. */
  | "OVERLAY_RESERVED_ADDRESS"
  /** A subnet too small to span hosts: an overlay needs a /27 or larger. */
  | "OVERLAY_SUBNET_TOO_SMALL"
  /** A host whose engine does not answer, is in no swarm or another swarm than the others. */
  | "HOST_UNAVAILABLE";

/** A problem found in a lab, before it is given a file position. */
export interface LabIssue {
  code: LabIssueCode;
  path: LabPath;
  /** What is wrong, e.g. `unknown network "wan"`. */
  message: string;
  /** What is expected instead, e.g. `one of the networks lan, dmz`. */
  expected?: string;
  /** Point at the key rather than its value (unknown fields). */
  atKey?: boolean;
}

/** A located problem in a lab file. Line and column are 1-based. */
export interface LabError {
  code: LabIssueCode;
  file: string;
  line: number;
  column: number;
  /** e.g. `nodes[1].connect[0]`; empty for the whole file. */
  path: string;
  message: string;
  expected?: string;
  /** Code-frame excerpt with a caret under the column; empty when there is no source. */
  frame: string;
}
