/**
 * The published JSON Schema of the definition format (docs/schemas/workflow-definition.v1.json): the
 * TypeBox schema that validates definitions, as plain JSON. json-schema.test.ts keeps the file equal;
 * `npx tsx packages/run-engine/src/json-schema.ts` rewrites it after a change to definition.ts.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkflowDefinition } from './definition.ts';

export const JSON_SCHEMA_FILE = new URL('../../../docs/schemas/workflow-definition.v1.json', import.meta.url);

/** The schema document: draft 2020-12, the properties TypeBox holds as JSON (its symbols drop out). */
export function definitionJsonSchema(): Record<string, unknown> {
  const plain: Record<string, unknown> = JSON.parse(JSON.stringify(WorkflowDefinition));
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...plain };
}

export const definitionJsonSchemaText = () => `${JSON.stringify(definitionJsonSchema(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(JSON_SCHEMA_FILE, definitionJsonSchemaText());
}
