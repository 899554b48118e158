import { z } from 'zod';
import { scenarioSchema } from './schema.js';

/** The JSON Schema of scenario files (the input side: what a person writes), for editors. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'dsim scenario', description: 'A dsim scenario file: see docs/SCENARIOS.md' };
}
