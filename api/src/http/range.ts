// Heroku's Range header for list endpoints: `Range: version ..; max=N, order=desc`,
// `Range: version 5..10`, `Range: version ]5..; max=2` (exclusive start, as in Next-Range).
import { ValidationError } from '@slipway/core/errors';

export interface ListRange {
  field: string;
  start?: string;
  startExclusive: boolean;
  end?: string;
  order: 'asc' | 'desc';
  max: number;
}

const RANGE_RE = /^\s*([a-z_]+)\s+(\]?)([^.;\s]*)\.\.([^;\s]*)\s*(?:;\s*(.*))?$/;

export function parseRange(header: string | undefined, allowed: string[], defaults: { max: number; maxLimit: number }): ListRange {
  const base: ListRange = { field: allowed[0]!, startExclusive: false, order: 'asc', max: defaults.max };
  if (!header) return base;
  const m = RANGE_RE.exec(header);
  if (!m || !allowed.includes(m[1]!)) throw new ValidationError(`Range must look like "${allowed[0]} ..; max=N, order=asc|desc" (fields: ${allowed.join(', ')}).`);
  const range: ListRange = { ...base, field: m[1]!, startExclusive: m[2] === ']', start: m[3] || undefined, end: m[4] || undefined };
  // Heroku's CLI writes "max=1000;" (trailing semicolon) and "order=desc,max=1" (no space)
  for (const part of (m[5] ?? '').replace(/[;\s]+$/, '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (k === 'max' && v && /^\d+$/.test(v)) range.max = Math.min(Math.max(1, Number(v)), defaults.maxLimit);
    else if (k === 'order' && (v === 'asc' || v === 'desc')) range.order = v;
    else throw new ValidationError(`Unknown Range option "${part}" (use max=N and order=asc|desc).`);
  }
  return range;
}

export function nextRange(r: ListRange, lastValue: string | number): string {
  return `${r.field} ]${lastValue}..; max=${r.max}, order=${r.order}`;
}

/** A Range on integer versions → inclusive bounds as the repository wants them. */
export function versionBounds(r: ListRange): { from?: number; to?: number } {
  const num = (s: string | undefined, field: string) => {
    if (s === undefined) return undefined;
    if (!/^\d+$/.test(s)) throw new ValidationError(`Range ${field} must be a whole number.`);
    return Number(s);
  };
  let from = num(r.start, 'start');
  const to = num(r.end, 'end');
  // with order=desc Heroku's start is the high end: "]5.." continues below 5
  if (r.order === 'desc') {
    const hi = from !== undefined ? (r.startExclusive ? from - 1 : from) : undefined;
    return { from: to, to: hi };
  }
  if (from !== undefined && r.startExclusive) from += 1;
  return { from, to };
}
