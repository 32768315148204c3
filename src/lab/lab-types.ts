/** Types of a lab file, inferred from the schema in lab-schema.ts. */

import type { z } from "zod";
import type {
  AttachmentSchema,
  ExpectationSchema,
  FirewallRuleSchema,
  ForwardSchema,
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
export type LabNetwork = z.infer<typeof NetworkSchema>;
export type LabRouter = z.infer<typeof RouterSchema>;
export type LabInterface = z.infer<typeof InterfaceSchema>;
export type LabNode = z.infer<typeof NodeSchema>;
export type LabAttachment = z.infer<typeof AttachmentSchema>;
export type LabForward = z.infer<typeof ForwardSchema>;
export type LabFirewallRule = z.infer<typeof FirewallRuleSchema>;
export type LabImpairment = z.infer<typeof ImpairmentSchema>;
export type LabStep = z.infer<typeof StepSchema>;
export type LabExpectation = z.infer<typeof ExpectationSchema>;
export type LabImpairTarget = z.infer<typeof ImpairTargetSchema>;

/** A path into the lab document: field names and list indexes. */
export type LabPath = readonly (string | number)[];

/** A problem found in a lab, before it is given a file position. */
export interface LabIssue {
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
