// How to push to an app: the remote for HTTPS (an API token as the password) and for SSH (a
// registered key), each with a copy button.
import { useState } from 'react';
import { Link } from 'react-router';
import type { App } from '../api/types';
import { CommandLine } from './ui';

export function GitInstructions({ app }: { app: Pick<App, 'name' | 'git_url' | 'git_ssh_url'> }) {
  const [mode, setMode] = useState<'https' | 'ssh'>('https');
  const url = mode === 'https' ? app.git_url : app.git_ssh_url;
  return (
    <div className="git-instructions" data-testid="git-instructions">
      <div className="segmented" role="radiogroup" aria-label="Git transport">
        {(['https', 'ssh'] as const).map((m) => (
          <button key={m} type="button" role="radio" aria-checked={mode === m} className={mode === m ? 'on' : ''} onClick={() => setMode(m)}>
            {m === 'https' ? 'HTTPS' : 'SSH'}
          </button>
        ))}
      </div>
      <ol className="steps">
        <li>
          In your app's git repository, add Slipway as a remote:
          <CommandLine command={`git remote add slipway ${url}`} label="Copy remote command" />
        </li>
        <li>
          Push to deploy (use your branch name if it is not <code>main</code>):
          <CommandLine command="git push slipway main" label="Copy push command" />
        </li>
      </ol>
      <p className="muted small">
        Git URL:{' '}
        <code data-testid={mode === 'https' ? 'git-url' : 'git-ssh-url'}>{url}</code>
      </p>
      {mode === 'https' ? (
        <p className="muted small">
          When git asks for a password, use an <Link to="/settings/account">API token</Link> (any username).
        </p>
      ) : (
        <p className="muted small">
          Pushing over SSH needs your public key under <Link to="/settings/account">Account → SSH keys</Link>.
        </p>
      )}
    </div>
  );
}
