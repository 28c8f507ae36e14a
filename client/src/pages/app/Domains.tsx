import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useDomains } from '../../api/queries';
import { useDomainMutations } from '../../api/mutations';
import type { Domain } from '../../api/types';
import { ConfirmDialog, CopyButton, ErrorNote, Loading, TableHead } from '../../components/ui';
import { useAppCtx } from './AppPage';

const HOST_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function DomainsTab() {
  const { app, canDeploy } = useAppCtx();
  const domains = useDomains(app.name);
  const [removing, setRemoving] = useState<Domain | null>(null);
  const { register, handleSubmit, reset, formState } = useForm<{ hostname: string }>({ defaultValues: { hostname: '' } });
  const { add, remove } = useDomainMutations(app.name);

  if (domains.isPending) return <Loading what="Loading domains" />;
  if (domains.error) return <ErrorNote error={domains.error} />;
  const builtIn = domains.data.filter((d) => d.kind === 'heroku');
  const custom = domains.data.filter((d) => d.kind === 'custom');

  return (
    <div className="stack">
      <div className="card">
        <h2>Default domain</h2>
        {builtIn.map((d) => (
          <p key={d.id}>
            <a href={app.web_url} target="_blank" rel="noreferrer noopener" className="mono">
              {d.hostname}
            </a>{' '}
            <span className="muted small">always points at this app</span>
          </p>
        ))}
      </div>
      <div className="card">
        <h2>Custom domains</h2>
        {custom.length === 0 ? (
          <p className="muted">No custom domains. Add one, then create the DNS record shown for it at your DNS provider.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="domains">
              <TableHead columns={['Domain', 'DNS record to create', 'Status']} actions={canDeploy} />
              <tbody>
                {custom.map((d) => (
                  <tr key={d.id} data-hostname={d.hostname}>
                    <td data-label="Domain" className="mono">
                      {d.hostname}
                    </td>
                    <td data-label="DNS record">
                      {d.cname ? (
                        <span className="dns-record">
                          <span className="mono">
                            {d.hostname} CNAME {d.cname}
                          </span>
                          <CopyButton text={d.cname} label="Copy target" />
                        </span>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td data-label="Status">
                      <span className="badge">{d.status}</span> <span className="muted small">TLS {d.acm_status}</span>
                    </td>
                    {canDeploy && (
                      <td>
                        <button type="button" className="btn btn-small btn-danger-outline" onClick={() => (remove.reset(), setRemoving(d))} aria-label={`Remove ${d.hostname}`}>
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canDeploy && (
          <form className="inline-form" onSubmit={handleSubmit((f) => add.mutate(f.hostname.trim().toLowerCase(), { onSuccess: () => reset() }))} noValidate>
            <label className="field grow">
              <span>Add a domain</span>
              <input
                {...register('hostname', { required: 'Enter a hostname such as www.example.com.', validate: (v) => HOST_RE.test(v.trim()) || 'That is not a valid hostname (e.g. www.example.com).' })}
                placeholder="www.example.com"
                autoComplete="off"
                spellCheck={false}
                aria-invalid={!!formState.errors.hostname}
              />
              {formState.errors.hostname && <small className="field-error">{formState.errors.hostname.message}</small>}
            </label>
            <button type="submit" className="btn btn-primary" disabled={add.isPending}>
              {add.isPending ? 'Adding…' : 'Add domain'}
            </button>
            <ErrorNote error={add.error} />
          </form>
        )}
      </div>
      <ConfirmDialog open={!!removing} title={`Remove ${removing?.hostname ?? ''}?`} confirmLabel="Remove domain" danger busy={remove.isPending} error={remove.error} onConfirm={() => removing && remove.mutate(removing, { onSuccess: () => setRemoving(null) })} onClose={() => setRemoving(null)}>
        <p>Requests for {removing?.hostname} stop reaching {app.name}. You can add it again later.</p>
      </ConfirmDialog>
    </div>
  );
}
