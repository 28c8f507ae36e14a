import { describe, expect, it } from 'vitest';
import type { Wallet } from '../api/types';
import { formatDuration, suspensionLabel, suspensionText, walletState } from './wallet-state';

const base: Wallet = { balance: 0, burn_rate_per_hour: 7000, hours_left: 0, currency: 'USD', low_balance: true, unbilled: false, grace: null, suspensions: [] };
const now = Date.parse('2030-01-01T12:00:00Z');

describe('walletState', () => {
  it('never calls an empty wallet suspended unless apps are suspended for it', () => {
    expect(walletState(base, now)).toEqual({ kind: 'ok' });
    expect(walletState({ ...base, suspensions: [{ reason: 'admin', apps: 2, since: '2030-01-01T00:00:00Z' }] }, now)).toEqual({ kind: 'ok' });
    expect(walletState({ ...base, suspensions: [{ reason: 'wallet', apps: 2, since: '2030-01-01T00:00:00Z' }] }, now)).toMatchObject({ kind: 'suspended', apps: 2 });
  });
  it('counts down the grace period, then says it is over', () => {
    const grace = { started_at: '2030-01-01T00:00:00Z', ends_at: '2030-01-02T00:00:00Z' };
    expect(walletState({ ...base, grace }, now)).toEqual({ kind: 'grace', endsAt: grace.ends_at, msLeft: 12 * 3_600_000 });
    expect(walletState({ ...base, grace }, Date.parse('2030-01-02T00:00:01Z'))).toEqual({ kind: 'grace-over', endsAt: grace.ends_at });
  });
  it('says unbilled first', () => {
    expect(walletState({ ...base, unbilled: true, balance: -5 }, now)).toEqual({ kind: 'unbilled' });
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(23 * 3_600_000 + 59 * 60_000 + 59_000)).toBe('23 h 59 min');
    expect(formatDuration(51 * 3_600_000)).toBe('2 days 3 h');
    expect(formatDuration(4 * 60_000)).toBe('4 min');
    expect(formatDuration(30_000)).toBe('less than a minute');
  });
});

describe('suspension texts', () => {
  it('say why and how to resume, only for suspended apps', () => {
    const wallet = { status: 'suspended' as const, suspension: { reasons: ['wallet' as const], since: '2030-01-01T00:00:00Z' } };
    expect(suspensionText(wallet)).toMatch(/wallet is empty.*topped up/);
    expect(suspensionLabel(wallet)).toMatch(/^wallet empty since /);
    const admin = { status: 'suspended' as const, suspension: { reasons: ['admin' as const], since: null } };
    expect(suspensionText(admin)).toMatch(/platform administrator/);
    expect(suspensionLabel(admin)).toBe('suspended by an administrator');
    expect(suspensionText({ status: 'running', suspension: null })).toBeNull();
  });
});
