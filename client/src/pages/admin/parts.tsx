// Pieces several admin pages share: a secret shown once (a generated password), and a short feed
// of activity entries in words.
import type { ReactNode } from 'react';
import type { AuditEntry } from '../../api/types';
import { CopyButton, TimeAgo } from '../../components/ui';
import { describeActivity } from '../../lib/activity';

export function ShownOnce({ children, value, onDone }: { children: ReactNode; value: string; onDone: () => void }) {
  return (
    <div className="token-once" role="status" data-testid="new-password">
      <p>{children} It is shown only once.</p>
      <div className="command">
        <code>{value}</code>
        <CopyButton text={value} label="Copy password" />
      </div>
      <button type="button" className="btn btn-small" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

export function ActivityFeed({ entries, showActor = true, testId }: { entries: Pick<AuditEntry, 'id' | 'action' | 'details' | 'actor' | 'organization' | 'ip' | 'created_at'>[]; showActor?: boolean; testId?: string }) {
  return (
    <ul className="activity" data-testid={testId}>
      {entries.map((a) => (
        <li key={a.id}>
          <span>
            {showActor && <strong>{a.actor?.email ?? 'Slipway'} </strong>}
            {describeActivity(a)}
            {a.organization && <span className="muted"> · {a.organization.name}</span>}
          </span>
          <span className="muted small">
            <TimeAgo iso={a.created_at} />
            {a.ip && ` · ${a.ip}`}
          </span>
        </li>
      ))}
    </ul>
  );
}
