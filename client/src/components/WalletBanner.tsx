// A banner on every page of an organization whose wallet ran out: during the grace period it says
// how long the apps keep running; after it, that they are (or are about to be) stopped. Nothing for
// unbilled organizations or a wallet that is fine. Every member sees it (the wallet summary is
// readable by all of them).
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useWallet } from '../api/billing';
import { formatMoney } from '../lib/money';
import { formatDuration, walletState, when } from '../lib/wallet-state';

export function WalletBanner({ orgId, orgName }: { orgId: string; orgName: string }) {
  const wallet = useWallet(orgId);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  if (!wallet.data) return null;
  const state = walletState(wallet.data, now);
  const billing = <Link to="/org/billing">Billing</Link>;
  if (state.kind === 'grace') {
    return (
      <div className="banner banner-warn" role="alert" data-testid="wallet-banner">
        <strong>The wallet of {orgName} is empty</strong> (balance {formatMoney(wallet.data.balance)}). Its apps keep running for{' '}
        <strong data-testid="grace-left">{formatDuration(state.msLeft)}</strong> more, until {when(state.endsAt)}; top up the wallet before then or they
        will be stopped. {billing}
      </div>
    );
  }
  if (state.kind === 'grace-over') {
    return (
      <div className="banner banner-bad" role="alert" data-testid="wallet-banner">
        <strong>The wallet of {orgName} is still empty</strong> and its grace period ended at {when(state.endsAt)}: its apps will be stopped at the next
        hourly billing run unless the wallet is topped up. {billing}
      </div>
    );
  }
  if (state.kind === 'suspended') {
    return (
      <div className="banner banner-bad" role="alert" data-testid="wallet-banner">
        <strong>
          {state.apps} app{state.apps === 1 ? '' : 's'} of {orgName} {state.apps === 1 ? 'is' : 'are'} stopped
        </strong>{' '}
        since {when(state.since)} because the wallet ran out. They start again by themselves once the wallet is topped up above zero. {billing}
      </div>
    );
  }
  return null;
}
