import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { labJsonSchema } from "../../src/lab/json-schema.js";

const FILE = new URL("../../../docs/lab-file.schema.json", import.meta.url);
const REGENERATE =
  "docs/lab-file.schema.json is out of date with src/lab/lab-schema.ts; regenerate it with: " +
  `npm run build && node -e 'import("./dist/src/lab/json-schema.js").then((m) => require("node:fs").writeFileSync("docs/lab-file.schema.json", JSON.stringify(m.labJsonSchema(), null, 2) + "\\n"))' && npx biome format --write docs/lab-file.schema.json`;

describe("lab JSON Schema", () => {
  it("docs/lab-file.schema.json equals labJsonSchema()", () => {
    const onDisk: unknown = JSON.parse(readFileSync(FILE, "utf8"));
    assert.deepEqual(onDisk, labJsonSchema(), REGENERATE);
  });

  it("is strict and names the required fields", () => {
    const schema = labJsonSchema() as {
      additionalProperties?: unknown;
      required?: string[];
    };
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ["name", "networks"]);
  });
});
