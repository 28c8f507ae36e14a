// The two shapes every list page repeats. QueryView: a query's spinner while pending, its error
// note, `empty` when the data is an empty list (only when `empty` is given), else children(data).
// DataTable: the scrolling wrapper, the table (class "table" plus `className`, `testId` as its
// data-testid), its header row (TableHead) and a tbody holding the rows it is given. Neither fetches,
// filters or pages: the page keeps its query, its rows and any "load more" button.
import type { ReactNode } from 'react';
import { ErrorNote, Loading, TableHead, type Column } from './ui';

/** What QueryView reads of a query (a react-query result fits; so does `{ ...flags, data: derivedList }`). */
export interface QueryState<T> {
  isPending: boolean;
  error: unknown;
  data: T | undefined;
}

export function QueryView<T>({ query, empty, children }: { query: QueryState<T>; empty?: ReactNode; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorNote error={query.error} />;
  // Neither pending nor failed: react-query has the data.
  const data = query.data as T;
  if (empty !== undefined && Array.isArray(data) && data.length === 0) return <>{empty}</>;
  return <>{children(data)}</>;
}

export function DataTable({ testId, className, caption, columns, actions, children }: { testId?: string; className?: string; caption?: string; columns: Column[]; actions?: boolean; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'} data-testid={testId}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <TableHead columns={columns} actions={actions} />
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
