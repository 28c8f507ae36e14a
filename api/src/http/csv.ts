// CSV downloads of the admin console: a line of cells (csvCell defuses spreadsheet formulas) and
// the response headers of an attachment.
import type { Response } from 'express';
import { csvCell } from './routes/billing.routes.js';

export const csvLine = (cells: (string | number | null | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;

export function startCsv(res: Response, filename: string): void {
  res.status(200);
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${filename}"`);
}
