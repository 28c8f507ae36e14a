// Small helpers shared by repositories: snake_case rows → camelCase objects.
export function camel<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out as T;
}

export const camelAll = <T>(rows: Record<string, unknown>[]): T[] => rows.map((r) => camel<T>(r));

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID_RE.test(s);

/** `col = $n, …, updated_at = now()` for the defined values of `cols`; parameters continue after
 *  `leading` (e.g. [id] → the first column is $2). Column names come from code, never from input. */
export function setClause(cols: Record<string, unknown>, leading: unknown[]): { sql: string; values: unknown[] } {
  const values = [...leading];
  const sets: string[] = [];
  for (const [col, v] of Object.entries(cols)) {
    if (v === undefined) continue;
    values.push(v);
    sets.push(`${col} = $${values.length}`);
  }
  return { sql: [...sets, 'updated_at = now()'].join(', '), values };
}
