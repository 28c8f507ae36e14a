// What kind of form field edits a setting, read off its zod schema (through its JSON schema), so
// the admin console renders any setting of the catalog without knowing it: a switch, a number
// field with its bounds, a select of the allowed values, a text field, or JSON for anything else.
import { z } from 'zod';

export type InputShape =
  | { type: 'boolean' }
  | { type: 'number'; integer: boolean; minimum?: number; maximum?: number }
  | { type: 'enum'; options: string[] }
  | { type: 'string'; maxLength?: number }
  | { type: 'json' };

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

export function inputShape(schema: z.ZodType): InputShape {
  let js: JsonSchema;
  try {
    js = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
  } catch {
    return { type: 'json' };
  }
  const alternatives = js.anyOf ?? [js];
  if (alternatives.every((a) => a.type === 'boolean')) return { type: 'boolean' };
  if (alternatives.every((a) => a.type === 'integer' || a.type === 'number')) {
    return { type: 'number', integer: alternatives.every((a) => a.type === 'integer'), minimum: js.minimum, maximum: js.maximum };
  }
  if (js.type === 'string' && Array.isArray(js.enum)) return { type: 'enum', options: js.enum.map(String) };
  if (alternatives.every((a) => a.type === 'string')) {
    const max = alternatives.map((a) => a.maxLength).filter((n): n is number => n !== undefined);
    return { type: 'string', ...(max.length ? { maxLength: Math.max(...max) } : {}) };
  }
  return { type: 'json' };
}
