// An organization's ledger, newest first, paged, with its CSV download: on the organization's
// Billing page and on its page in the admin console.
import { ledgerCsvUrl, useLedger } from '../api/billing';
import { Empty } from './ui';
import { DataTable, QueryView } from './QueryView';
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
      <QueryView query={{ isPending: ledger.isPending, error: ledger.error, data: entries }} empty={<Empty title="No ledger entries yet." />}>
        {(rows) => (
          <>
            <DataTable testId={testId} className="ledger-table" columns={['When', 'Kind', 'App', 'Description', { label: 'Amount', numeric: true }, { label: 'Balance', numeric: true }]}>
              {rows.map((e) => (
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
            </DataTable>
            {ledger.hasNextPage && (
              <button type="button" className="btn" onClick={() => void ledger.fetchNextPage()} disabled={ledger.isFetchingNextPage}>
                {ledger.isFetchingNextPage ? 'Loading…' : 'Older entries'}
              </button>
            )}
          </>
        )}
      </QueryView>
    </div>
  );
}
