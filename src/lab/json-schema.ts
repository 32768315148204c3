/** The lab file's JSON Schema, for editors; generated from the zod schema. */

import { z } from "zod";
import { LabSchema } from "./lab-schema.js";

export function labJsonSchema(): Record<string, unknown> {
  return { ...z.toJSONSchema(LabSchema, { target: "draft-2020-12" }), title: "conntest lab file" };
}
