import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputShape } from './input-shape.js';
import { SETTINGS_CATALOG } from './catalog.js';

describe('inputShape', () => {
  it('reads the field a setting needs off its schema', () => {
    expect(inputShape(z.boolean())).toEqual({ type: 'boolean' });
    expect(inputShape(z.number().int().min(1).max(9))).toEqual({ type: 'number', integer: true, minimum: 1, maximum: 9 });
    expect(inputShape(z.number().min(0.5))).toMatchObject({ type: 'number', integer: false, minimum: 0.5 });
    expect(inputShape(z.enum(['fs', 's3']))).toEqual({ type: 'enum', options: ['fs', 's3'] });
    expect(inputShape(z.union([z.literal(''), z.string().max(40)]))).toEqual({ type: 'string', maxLength: 40 });
    expect(inputShape(z.object({ a: z.number() }))).toEqual({ type: 'json' });
    expect(inputShape(z.string().transform((s) => s.length))).toEqual({ type: 'string' });
  });

  it('gives every setting of the catalog a field the console can render', () => {
    for (const def of SETTINGS_CATALOG.values()) expect(['boolean', 'number', 'enum', 'string', 'json'], def.key).toContain(inputShape(def.schema).type);
  });
});
