import { useDeferredValue, useMemo, useState } from 'react';
import { useDynos } from '../../api/queries';
import { Ansi } from '../../components/Ansi';
import { matches, type LogFilter } from '../../lib/log-line';
import { useAutoScroll } from '../../lib/use-auto-scroll';
import { useLogStream } from '../../lib/use-log-stream';
import { useAppCtx } from './AppPage';

const shortTime = (ts: string) => {
  const m = /T(\d\d:\d\d:\d\d)/.exec(ts);
  return m ? m[1] : ts;
};

export function LogsTab() {
  const { app } = useAppCtx();
  const [paused, setPaused] = useState(false);
  const [follow, setFollow] = useState(true);
  const [filter, setFilter] = useState<LogFilter>({ text: '', dyno: '', source: '' });
  const text = useDeferredValue(filter.text);
  const { entries, buffered, state, error, clear } = useLogStream(app.name, { paused });
  const dynos = useDynos(app.name);
  const shown = useMemo(() => entries.filter((e) => matches(e, { ...filter, text })), [entries, filter, text]);
  const { ref, onScroll, atBottom, toBottom } = useAutoScroll<HTMLDivElement>(shown.length, follow);

  const dynoOptions = useMemo(() => {
    const names = new Set<string>();
    for (const d of dynos.data ?? []) names.add(d.name);
    for (const e of entries) if (e.dyno) names.add(e.dyno);
    const types = new Set([...names].map((n) => n.split('.')[0]!));
    return { types: [...types].sort(), names: [...names].sort() };
  }, [dynos.data, entries]);

  const download = () => {
    const blob = new Blob([shown.map((e) => e.raw).join('\n') + '\n'], { type: 'text/plain;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${app.name}-logs-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  };

  return (
    <div className="card logs-card">
      <div className="log-toolbar" role="toolbar" aria-label="Log controls">
        <button type="button" className={`btn ${paused ? 'btn-primary' : ''}`} onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? `Resume${buffered ? ` (${buffered} new)` : ''}` : 'Pause'}
        </button>
        <label className="check">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Auto-scroll
        </label>
        <label className="field-inline grow">
          <span className="sr-only">Filter by text</span>
          <input type="search" placeholder="Filter by text" value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} aria-label="Filter by text" />
        </label>
        <label className="field-inline">
          <span className="sr-only">Dyno</span>
          <select value={filter.dyno} onChange={(e) => setFilter({ ...filter, dyno: e.target.value })} aria-label="Filter by dyno">
            <option value="">All dynos</option>
            {dynoOptions.types.map((t) => (
              <option key={`t-${t}`} value={t}>
                all {t}
              </option>
            ))}
            {dynoOptions.names
              .filter((n) => n.includes('.'))
              .map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
          </select>
        </label>
        <label className="field-inline">
          <span className="sr-only">Source</span>
          <select value={filter.source} onChange={(e) => setFilter({ ...filter, source: e.target.value })} aria-label="Filter by source">
            <option value="">App and platform</option>
            <option value="app">App only</option>
            <option value="platform">Platform only</option>
          </select>
        </label>
        <button type="button" className="btn" onClick={download} disabled={shown.length === 0}>
          Download
        </button>
        <button type="button" className="btn" onClick={clear}>
          Clear
        </button>
      </div>
      <p className="log-status muted small" aria-live="polite">
        <span className={`live ${state === 'live' && !paused ? 'on' : ''}`}>
          {paused ? '❚❚ paused' : state === 'live' ? '● live' : state === 'connecting' ? 'connecting…' : state === 'reconnecting' ? 'reconnecting…' : 'not connected'}
        </span>{' '}
        · showing {shown.length} of {entries.length} lines
        {error && <span className="field-error"> · {error}</span>}
      </p>
      <div className="log-box log-box-tall" ref={ref} onScroll={onScroll} role="log" aria-label="App log" data-testid="app-log" tabIndex={0}>
        {shown.length === 0 && (
          <div className="muted">{entries.length ? 'No line matches the filter.' : 'No log lines yet. What the app prints to stdout and stderr shows up here as it happens.'}</div>
        )}
        {shown.map((e) => (
          <div className="log-line" key={e.id} data-source={e.source} data-dyno={e.dyno}>
            {e.ts && (
              <span className="log-ts" title={e.ts}>
                {shortTime(e.ts)}{' '}
              </span>
            )}
            {e.source && (
              <span className={`log-src log-src-${e.source === 'platform' ? 'platform' : 'app'}`}>
                {e.source}[{e.dyno}]:{' '}
              </span>
            )}
            <Ansi text={e.text} />
          </div>
        ))}
      </div>
      {follow && !atBottom && (
        <button type="button" className="btn btn-small jump" onClick={toBottom}>
          Jump to the newest line
        </button>
      )}
    </div>
  );
}
