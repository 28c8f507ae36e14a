import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { keys, useBuilds } from '../../api/queries';
import type { Build } from '../../api/types';
import { Ansi } from '../../components/Ansi';
import { GitInstructions } from '../../components/GitInstructions';
import { Empty, TimeAgo } from '../../components/ui';
import { QueryView } from '../../components/QueryView';
import { STAGES, furthestStage } from '../../lib/build-stages';
import { useAutoScroll } from '../../lib/use-auto-scroll';
import { useBuildLog } from '../../lib/use-build-log';
import { useAppCtx } from './AppPage';

function duration(b: Build): string {
  if (!b.started_at) return '';
  const end = b.finished_at ? new Date(b.finished_at).getTime() : Date.now();
  const s = Math.max(0, Math.round((end - new Date(b.started_at).getTime()) / 1000));
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

const buildState = (b: Build) => (b.stage_status === 'building' ? 'building' : b.status);

export function StageProgress({ lines, outcome, running }: { lines: string[]; outcome: string | null; running: boolean }) {
  const at = outcome === 'succeeded' ? STAGES.length : furthestStage(lines);
  return (
    <ol className="stages" aria-label="Build stages" data-testid="build-stages">
      {STAGES.map((s, i) => {
        let state: 'done' | 'current' | 'failed' | 'todo' = 'todo';
        if (i < at) state = 'done';
        else if (i === at) state = outcome === 'failed' ? 'failed' : running ? 'current' : outcome === 'succeeded' ? 'done' : 'current';
        return (
          <li key={s} className={`stage stage-${state}`} data-stage={s} data-state={state} aria-current={state === 'current' ? 'step' : undefined}>
            <span className="stage-dot" aria-hidden="true">
              {state === 'done' ? '✓' : state === 'failed' ? '✕' : i + 1}
            </span>
            <span>{s}</span>
            <span className="sr-only"> ({state === 'todo' ? 'not started' : state})</span>
          </li>
        );
      })}
    </ol>
  );
}

function BuildLog({ app, build }: { app: string; build: Build }) {
  const { lines, end, connected } = useBuildLog(app, build.id);
  const qc = useQueryClient();
  const running = !end && build.status === 'pending';
  const { ref, onScroll, atBottom, toBottom } = useAutoScroll<HTMLDivElement>(lines.length);
  useEffect(() => {
    // the build ended: the app's status, releases and dynos change next
    if (end) for (const k of [keys.builds(app), keys.app(app), keys.releases(app), keys.dynos(app), keys.activity(app)]) void qc.invalidateQueries({ queryKey: k });
  }, [end, app, qc]);
  const outcome = end?.status ?? (build.status === 'pending' ? null : build.status);
  return (
    <div className="build-log-wrap">
      <StageProgress lines={lines} outcome={outcome} running={running} />
      <div className="log-head">
        <span>
          Build <span className="mono">{build.id.slice(0, 8)}</span>
          {build.source_blob.version ? (
            <>
              {' '}
              of <span className="mono">{build.source_blob.version.slice(0, 7)}</span>
            </>
          ) : null}
        </span>
        <span className={`live ${connected && running ? 'on' : ''}`} aria-live="polite">
          {running ? (connected ? '● live' : 'connecting…') : outcome === 'succeeded' ? 'succeeded' : outcome === 'failed' ? 'failed' : ''}
        </span>
      </div>
      <div className="log-box" ref={ref} onScroll={onScroll} role="log" aria-label="Build output" data-testid="build-log" tabIndex={0}>
        {lines.length === 0 && <div className="muted">{running ? 'Waiting for output…' : 'No output.'}</div>}
        {lines.map((l, i) => (
          <div className="log-line" key={i}>
            <Ansi text={l} />
          </div>
        ))}
      </div>
      {!atBottom && (
        <button type="button" className="btn btn-small jump" onClick={toBottom}>
          Jump to the newest line
        </button>
      )}
      {end?.status === 'failed' && <p className="error-note" role="alert">The build failed{end.message ? `: ${end.message}` : '.'}</p>}
    </div>
  );
}

export function DeployTab() {
  const { app, canDeploy } = useAppCtx();
  const builds = useBuilds(app.name);
  const [pinned, setPinned] = useState<string | null>(null);
  const list = builds.data ?? [];
  const selected = (pinned && list.find((b) => b.id === pinned)) || list[0];

  return (
    <div className="stack">
      <div className="card">
        <h2>Deploy with git</h2>
        {canDeploy ? <GitInstructions app={app} /> : <p className="muted">Your role (viewer) can see builds but not push.</p>}
      </div>
      <div className="card">
        <h2>Builds</h2>
        <QueryView
          query={builds}
          empty={
            <Empty title="No builds yet.">
              <p className="muted">Push with git and the build appears here with its log, live.</p>
            </Empty>
          }
        >
          {(all) => (
            <div className="builds">
              <ul className="build-list" aria-label="Builds">
                {all.slice(0, 20).map((b) => (
                  <li key={b.id}>
                    <button type="button" className={`build-item ${selected?.id === b.id ? 'selected' : ''}`} aria-pressed={selected?.id === b.id} onClick={() => setPinned(b.id)}>
                      <span className={`badge badge-build-${buildState(b)}`}>{buildState(b)}</span>
                      <span className="mono">{b.source_blob.version?.slice(0, 7) ?? b.id.slice(0, 8)}</span>
                      <span className="muted small">
                        <TimeAgo iso={b.created_at} />
                        {b.started_at ? ` · ${duration(b)}` : ''}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
              {selected && <BuildLog key={selected.id} app={app.name} build={selected} />}
            </div>
          )}
        </QueryView>
      </div>
    </div>
  );
}
