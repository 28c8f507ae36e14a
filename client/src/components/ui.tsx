// Small building blocks shared by every page: loading/empty/error states, search boxes, badges, copy buttons,
// relative times, table headers and a confirmation dialog (native <dialog>: focus moves in, Esc closes).
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { AppStatus } from '../api/types';
import { errorMessage } from '../api/client';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function ErrorNote({ error, prefix }: { error: unknown; prefix?: string }) {
  if (!error) return null;
  return (
    <p className="error-note" role="alert">
      {prefix ? `${prefix}: ` : ''}
      {errorMessage(error)}
    </p>
  );
}

/** A search box whose label is read by screen readers only; `value` is what the user typed. */
export function SearchField({ label, placeholder, value, onChange }: { label: string; placeholder: string; value: string; onChange: (v: string) => void }) {
  return (
    <label className="field">
      <span className="sr-only">{label}</span>
      <input type="search" value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} aria-label={label} />
    </label>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

const STATUS_TEXT: Record<string, string> = {
  new: 'not deployed',
  deploying: 'deploying',
  running: 'running',
  crashed: 'crashed',
  stopped: 'stopped',
  suspended: 'suspended',
  failed: 'failed',
};

export function StatusBadge({ status }: { status: AppStatus | string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {STATUS_TEXT[status] ?? status}
    </span>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<'idle' | 'ok' | 'fail'>('idle');
  useEffect(() => {
    if (done === 'idle') return;
    const t = setTimeout(() => setDone('idle'), 1500);
    return () => clearTimeout(t);
  }, [done]);
  const copy = async () => {
    try {
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(text);
      else legacyCopy(text);
      setDone('ok');
    } catch {
      try {
        legacyCopy(text);
        setDone('ok');
      } catch {
        setDone('fail');
      }
    }
  };
  return (
    <button type="button" className="btn btn-small" onClick={copy} aria-label={`${label}: ${text}`}>
      {done === 'ok' ? 'Copied' : done === 'fail' ? 'Select and copy' : label}
    </button>
  );
}

function legacyCopy(text: string) {
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand('copy');
  ta.remove();
  if (!ok) throw new Error('copy refused');
}

/** A command line the user copies: monospace, selectable, with a copy button. */
export function CommandLine({ command, label }: { command: string; label?: string }) {
  return (
    <div className="command">
      <code>{command}</code>
      <CopyButton text={command} label={label} />
    </div>
  );
}

export function timeAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '—';
  const s = Math.round((now - t) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 31) return `${d} day${d === 1 ? '' : 's'} ago`;
  return new Date(iso).toLocaleDateString();
}

export function TimeAgo({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">never</span>;
  return (
    <time dateTime={iso} title={new Date(iso).toLocaleString()}>
      {timeAgo(iso)}
    </time>
  );
}

/**
 * A modal that asks before something consequential. `confirmText`, when set, must be typed
 * exactly before the confirm button enables (used for deleting an app).
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  confirmText?: string;
  busy?: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      setTyped('');
      d.showModal();
    } else if (!props.open && d.open) d.close();
  }, [props.open]);
  const blocked = props.confirmText !== undefined && typed !== props.confirmText;
  return (
    <dialog ref={ref} className="dialog" onClose={props.onClose} aria-labelledby="dialog-title">
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (!blocked && !props.busy) props.onConfirm();
        }}
      >
        <h2 id="dialog-title">{props.title}</h2>
        <div className="dialog-body">{props.children}</div>
        {props.confirmText !== undefined && (
          <label className="field">
            <span>
              Type <strong>{props.confirmText}</strong> to confirm
            </span>
            <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} aria-label="Type the name to confirm" />
          </label>
        )}
        <ErrorNote error={props.error} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className={`btn ${props.danger ? 'btn-danger' : 'btn-primary'}`} disabled={blocked || props.busy}>
            {props.busy ? 'Working…' : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}

export type Column = string | { label: string; numeric?: boolean };

/** A table's header row; `actions` adds a last column, named for screen readers only. */
export function TableHead({ columns, actions = false }: { columns: Column[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => {
          const { label, numeric } = typeof c === 'string' ? { label: c, numeric: false } : c;
          return (
            <th key={label} scope="col" className={numeric ? 'num' : undefined}>
              {label}
            </th>
          );
        })}
        {actions && (
          <th scope="col">
            <span className="sr-only">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
