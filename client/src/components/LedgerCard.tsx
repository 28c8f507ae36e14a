// An organization's ledger, newest first, paged, with its CSV download: on the organization's
// Billing page and on its page in the admin console.
import { ledgerCsvUrl, useLedger } from '../api/billing';
import { Empty, ErrorNote, Loading, TableHead } from './ui';
import { formatMoney } from '../lib/money';

const hourFmt = (iso: string) => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const timeFmt = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

export function LedgerCard({ org, testId = 'ledger' }: { org: string; testId?: string }) {
  const ledger = useLedger(org, true);
  const entries = ledger.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <div className="card">
      <div className="card-head">
        <h2>Ledger</h2>
        <a className="btn btn-small" href={ledgerCsvUrl(org)} download>
          Download ledger (CSV)
        </a>
      </div>
      {ledger.isPending ? (
        <Loading />
      ) : ledger.error ? (
        <ErrorNote error={ledger.error} />
      ) : entries.length === 0 ? (
        <Empty title="No ledger entries yet." />
      ) : (
        <>
          <div className="table-wrap">
            <table className="table ledger-table" data-testid={testId}>
              <TableHead columns={['When', 'Kind', 'App', 'Description', { label: 'Amount', numeric: true }, { label: 'Balance', numeric: true }]} />
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id} data-entry={e.id}>
                    <td data-label="When">{e.period_start ? `${hourFmt(e.period_start)}${e.period_end ? `–${timeFmt(e.period_end)}` : ''}` : e.created_at && hourFmt(e.created_at)}</td>
                    <td data-label="Kind">
                      <span className={`badge badge-ledger-${e.kind}`}>{e.kind}</span>
                    </td>
                    <td data-label="App">{e.app_name ?? '—'}</td>
                    <td data-label="Description">{e.description ?? ''}</td>
                    <td data-label="Amount" className={`num ${e.amount < 0 ? 'neg' : 'pos'}`}>
                      {e.amount > 0 ? '+' : ''}
                      {formatMoney(e.amount)}
                    </td>
                    <td data-label="Balance" className="num">
                      {e.balance_after === null ? '—' : formatMoney(e.balance_after)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {ledger.hasNextPage && (
            <button type="button" className="btn" onClick={() => void ledger.fetchNextPage()} disabled={ledger.isFetchingNextPage}>
              {ledger.isFetchingNextPage ? 'Loading…' : 'Older entries'}
            </button>
          )}
        </>
      )}
    </div>
  );
}
