import { useState } from 'react';
import { useReleases } from '../../api/queries';
import { useReleaseMutations } from '../../api/mutations';
import type { Release } from '../../api/types';
import { ConfirmDialog, Empty, ErrorNote, Loading, TimeAgo } from '../../components/ui';
import { DataTable } from '../../components/QueryView';
import { useAppCtx } from './AppPage';

export function ReleasesTab() {
  const { app, canDeploy } = useAppCtx();
  const releases = useReleases(app.name);
  const [target, setTarget] = useState<Release | null>(null);
  const { rollback } = useReleaseMutations(app.name);

  if (releases.isPending) return <Loading what="Loading releases" />;
  if (releases.error) return <ErrorNote error={releases.error} />;
  const list = releases.data;
  if (list.length === 0)
    return (
      <Empty title="No releases yet.">
        <p className="muted">Each deploy and each config change makes a new release; you can roll back to any earlier one.</p>
      </Empty>
    );
  const current = list.find((r) => r.current) ?? list[0]!;
  const latest = Math.max(...list.map((r) => r.version));
  const undone = target ? list.filter((r) => r.version > target.version).sort((a, b) => a.version - b.version) : [];

  return (
    <div className="card">
      <h2>Releases</h2>
      <DataTable testId="releases" className="releases-table" columns={['Version', 'Description', 'By', 'When', 'Status']} actions={canDeploy}>
        {list.map((r) => (
          <tr key={r.id} data-version={r.version} className={r.current ? 'current-row' : ''}>
            <td data-label="Version">
              <strong>v{r.version}</strong> {r.current && <span className="tag tag-ok">current</span>}
            </td>
            <td data-label="Description">{r.description}</td>
            <td data-label="By">{r.user?.email ?? 'Slipway'}</td>
            <td data-label="When">
              <TimeAgo iso={r.created_at} />
            </td>
            <td data-label="Status">
              <span className={`badge badge-release-${r.status}`}>{r.status}</span>
            </td>
            {canDeploy && (
              <td>
                {!r.current && r.status === 'succeeded' && (r.slug || r.image) && (
                  <button type="button" className="btn btn-small" onClick={() => (rollback.reset(), setTarget(r))} aria-label={`Roll back to v${r.version}`}>
                    Roll back to here
                  </button>
                )}
              </td>
            )}
          </tr>
        ))}
      </DataTable>
      <ConfirmDialog
        open={!!target}
        title={target ? `Roll back to v${target.version}?` : ''}
        confirmLabel={target ? `Roll back to v${target.version}` : 'Roll back'}
        busy={rollback.isPending}
        error={rollback.error}
        onConfirm={() => target && rollback.mutate(target, { onSuccess: () => setTarget(null) })}
        onClose={() => setTarget(null)}
      >
        {target && (
          <>
            <p>
              This creates <strong>v{latest + 1}</strong> with the code and config vars of <strong>v{target.version}</strong> (“{target.description}”),
              replacing the current <strong>v{current.version}</strong>. The app's dynos restart on it; nothing is rebuilt.
            </p>
            {undone.length > 0 && (
              <>
                <p>What these releases changed is undone:</p>
                <ul className="undone">
                  {undone.map((r) => (
                    <li key={r.id}>
                      v{r.version} — {r.description}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
      </ConfirmDialog>
    </div>
  );
}
