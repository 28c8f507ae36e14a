// The app's Domains tab: the default domain, custom domains with the DNS records to create, what the
// last DNS check found, the certificate (or the CA's error when ordering one failed), "Verify now",
// and the app's HTTP→HTTPS redirect.
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useDomains } from '../../api/queries';
import { useAppMutations, useDomainMutations } from '../../api/mutations';
import type { App, Domain } from '../../api/types';
import { ConfirmDialog, CopyButton, ErrorNote, Loading } from '../../components/ui';
import { useAppCtx } from './AppPage';

const HOST_RE = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const DNS_TEXT: Record<Domain['dns_status'], string> = { pending: 'Waiting for DNS', verified: 'Verified', failed: 'Not verified' };
const DNS_BADGE: Record<Domain['dns_status'], string> = { pending: 'deploying', verified: 'running', failed: 'failed' };
const TLS_TEXT: Record<Domain['tls_status'], string> = {
  none: 'No certificate',
  waiting: 'Certificate after verification',
  pending: 'Ordering certificate…',
  issued: 'Certificate issued',
  failing: 'Certificate order failing',
  failed: 'Certificate order failed',
};
const TLS_BADGE: Record<Domain['tls_status'], string> = { none: 'stopped', waiting: 'stopped', pending: 'deploying', issued: 'running', failing: 'failed', failed: 'failed' };

const day = (iso: string) => new Date(iso).toISOString().slice(0, 10);

function Certificate({ d }: { d: Domain }) {
  return (
    <div className="domain-tls">
      <span className={`badge badge-${TLS_BADGE[d.tls_status]}`} data-testid="tls-status">
        HTTPS: {TLS_TEXT[d.tls_status]}
      </span>{' '}
      {d.certificate && (
        <span className="muted small">
          {d.certificate.source === 'wildcard' ? 'platform wildcard' : d.certificate.source === 'uploaded' ? 'your certificate' : 'ACME'} · {d.certificate.issuer} · expires {day(d.certificate.expires_at)}
        </span>
      )}
      {d.acm_status_reason && (
        <p className={d.tls_status === 'issued' ? 'warn-note' : 'error-note'} data-testid="tls-message">
          {d.acm_status_reason}
        </p>
      )}
    </div>
  );
}

function Records({ d }: { d: Domain }) {
  return (
    <table className="table dns-records">
      <thead>
        <tr>
          <th>Type</th>
          <th>Name</th>
          <th>Value</th>
          <th>Why</th>
        </tr>
      </thead>
      <tbody>
        {d.verification.records.map((r) => (
          <tr key={`${r.type} ${r.name} ${r.value}`}>
            <td className="mono">{r.type}</td>
            <td className="mono">{r.name}</td>
            <td>
              <span className="dns-record">
                <span className="mono">{r.value}</span>
                <CopyButton text={r.value} label={`Copy ${r.type} value`} />
              </span>
            </td>
            <td className="muted small">{r.purpose === 'ownership' ? 'proves the domain is yours' : 'sends its traffic here'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function CustomDomain({ app, d, canDeploy, onRemove }: { app: App; d: Domain; canDeploy: boolean; onRemove: () => void }) {
  const { verify } = useDomainMutations(app.name);
  const verified = d.dns_status === 'verified';
  return (
    <li className="domain" data-hostname={d.hostname}>
      <div className="domain-head">
        <span className="mono domain-name">{d.hostname}</span>
        <span className={`badge badge-${DNS_BADGE[d.dns_status]}`} data-testid="dns-status">
          {DNS_TEXT[d.dns_status]}
        </span>
        {canDeploy && (
          <span className="domain-actions">
            {(!verified || d.tls_status === 'failing' || d.tls_status === 'failed') && (
              <button type="button" className="btn btn-small" disabled={verify.isPending} onClick={() => verify.mutate(d)}>
                {verify.isPending ? 'Checking…' : verified ? 'Retry certificate' : 'Verify now'}
              </button>
            )}
            <button type="button" className="btn btn-small btn-danger-outline" onClick={onRemove} aria-label={`Remove ${d.hostname}`}>
              Remove
            </button>
          </span>
        )}
      </div>
      {!verified && (
        <>
          <p className="muted small">Create these records at your DNS provider. Slipway checks them now and then for 72 hours; it routes the domain and orders its certificate once the TXT record is found.</p>
          <Records d={d} />
        </>
      )}
      {d.verification.message && (
        <p className={verified ? 'muted small' : d.dns_status === 'failed' ? 'error-note' : 'warn-note'} data-testid="dns-message">
          {d.verification.message}
          {!verified && d.verification.next_check_at && (
            <span className="muted small">
              {' '}
              Next check at <time dateTime={d.verification.next_check_at}>{new Date(d.verification.next_check_at).toLocaleTimeString()}</time>.
            </span>
          )}
        </p>
      )}
      <Certificate d={d} />
      <ErrorNote error={verify.error} />
    </li>
  );
}

function HttpsRedirect({ app, canDeploy }: { app: App; canDeploy: boolean }) {
  const { update: patch } = useAppMutations(app.name);
  const value = app.https_redirect === null ? 'default' : app.https_redirect ? 'on' : 'off';
  return (
    <div className="card">
      <h2>HTTPS</h2>
      <label className="field">
        <span>Redirect plain HTTP to HTTPS (for hostnames that have a certificate)</span>
        <select value={value} disabled={!canDeploy || patch.isPending} onChange={(e) => patch.mutate({ https_redirect: e.target.value === 'default' ? null : e.target.value === 'on' })}>
          <option value="default">Platform default</option>
          <option value="on">On</option>
          <option value="off">Off</option>
        </select>
      </label>
      <ErrorNote error={patch.error} />
    </div>
  );
}

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
          <div key={d.id}>
            <p>
              <a href={app.web_url} target="_blank" rel="noreferrer noopener" className="mono">
                {d.hostname}
              </a>{' '}
              <span className="muted small">always points at this app</span>
            </p>
            {d.tls_status !== 'none' && <Certificate d={d} />}
          </div>
        ))}
      </div>
      <div className="card">
        <h2>Custom domains</h2>
        {custom.length === 0 ? (
          <p className="muted">No custom domains. Add one, then create the DNS records shown for it at your DNS provider.</p>
        ) : (
          <ul className="domains" data-testid="domains">
            {custom.map((d) => (
              <CustomDomain key={d.id} app={app} d={d} canDeploy={canDeploy} onRemove={() => (remove.reset(), setRemoving(d))} />
            ))}
          </ul>
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
      <HttpsRedirect app={app} canDeploy={canDeploy} />
      <ConfirmDialog open={!!removing} title={`Remove ${removing?.hostname ?? ''}?`} confirmLabel="Remove domain" danger busy={remove.isPending} error={remove.error} onConfirm={() => removing && remove.mutate(removing, { onSuccess: () => setRemoving(null) })} onClose={() => setRemoving(null)}>
        <p>Requests for {removing?.hostname} stop reaching {app.name}, and its certificate is deleted. You can add it again later (it is verified again then).</p>
      </ConfirmDialog>
    </div>
  );
}
