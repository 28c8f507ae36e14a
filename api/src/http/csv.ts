// CSV downloads: the response headers of an attachment; lines of cells come from
// serializers/billing.serializer.ts (csvLine defuses spreadsheet formulas).
import type { Response } from 'express';
export { csvLine } from './serializers/billing.serializer.js';

export function startCsv(res: Response, filename: string): void {
  res.status(200);
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${filename}"`);
}
