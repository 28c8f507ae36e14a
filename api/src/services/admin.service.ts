// Platform administration: users (created by an admin, with a generated password shown once),
// platform settings (sign-up on/off, app cap per organization), and an overview of organizations.
import { ValidationError } from '@slipway/core/errors';
import type { Store } from '@slipway/core/repositories/index';
import type { UsersService } from './users.service.js';

export const SETTINGS = {
  signup_enabled: (v: unknown) => {
    if (typeof v !== 'boolean') throw new ValidationError('signup_enabled must be true or false.', { field: 'signup_enabled' });
    return v;
  },
  billing_enabled: (v: unknown) => {
    if (typeof v !== 'boolean') throw new ValidationError('billing_enabled must be true or false.', { field: 'billing_enabled' });
    return v;
  },
  max_apps_per_org: (v: unknown) => {
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 100_000) throw new ValidationError('max_apps_per_org must be a whole number from 1 to 100000.', { field: 'max_apps_per_org' });
    return v;
  },
} as const;

export interface InfraProbes {
  runtime: 'local' | 'swarm';
  docker: (() => Promise<unknown>) | null;
  objectStore: { kind: 'fs' | 's3'; check?: () => Promise<unknown> };
}

export class AdminService {
  constructor(private readonly deps: { store: Store; users: UsersService; infra: InfraProbes }) {}

  /** Where apps run and where slugs live, as the admin console shows it. */
  async infrastructure(): Promise<Record<string, unknown>> {
    const { infra } = this.deps;
    return {
      runtime: infra.runtime,
      docker: infra.docker ? await infra.docker() : null,
      object_store: { kind: infra.objectStore.kind, ...(infra.objectStore.check ? { check: await infra.objectStore.check() } : { check: { ok: true } }) },
    };
  }

  listUsers(limit: number, offset: number) {
    return this.deps.store.repos.users.list(limit, offset);
  }

  createUser(input: { email: unknown; password?: unknown; name?: unknown; admin?: unknown }) {
    return this.deps.users.createByAdmin({ email: input.email, password: input.password, name: input.name, isAdmin: input.admin });
  }

  async settings(): Promise<Record<string, unknown>> {
    const rows = await this.deps.store.repos.settings.all();
    return Object.fromEntries(rows.filter((r) => !r.isSecret).map((r) => [r.key, r.value]));
  }

  async updateSettings(patch: Record<string, unknown>, adminId: string): Promise<Record<string, unknown>> {
    const valid: [string, unknown][] = [];
    for (const [key, value] of Object.entries(patch)) {
      const check = SETTINGS[key as keyof typeof SETTINGS];
      if (!check) throw new ValidationError(`Unknown setting ${key}; settings are ${Object.keys(SETTINGS).join(', ')}.`);
      valid.push([key, check(value)]);
    }
    await this.deps.store.transaction(async (repos) => {
      for (const [k, v] of valid) await repos.settings.set(k, v);
      await repos.activity.record({ orgId: null, userId: adminId, action: 'settings.updated', details: { keys: valid.map(([k]) => k) } });
    });
    return this.settings();
  }

  listOrganizations(limit: number, offset: number) {
    return this.deps.store.repos.orgs.list(limit, offset);
  }
}
