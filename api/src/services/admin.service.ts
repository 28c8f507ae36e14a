// Platform administration: users (created by an admin, with a generated password shown once),
// platform settings (sign-up on/off, app cap per organization), and an overview of organizations.
import type { Settings } from '@slipway/core/settings/settings.service';
import type { Store } from '@slipway/core/repositories/index';
import type { UsersService } from './users.service.js';


export interface InfraProbes {
  runtime: 'local' | 'swarm';
  docker: (() => Promise<unknown>) | null;
  objectStore: { kind: 'fs' | 's3'; check?: () => Promise<unknown> };
}

export class AdminService {
  constructor(private readonly deps: { store: Store; users: UsersService; settings: Settings; infra: InfraProbes }) {}

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

  /** Every setting's value in effect by key (secrets are reported only as set or not). */
  async settings(): Promise<Record<string, unknown>> {
    const views = await this.deps.settings.list();
    return Object.fromEntries(views.map((v) => [v.key, v.secret ? { is_set: v.isSet } : v.value]));
  }

  /** The catalog with descriptions, groups and defaults, for the admin console. */
  settingsCatalog() {
    return this.deps.settings.list();
  }

  async updateSettings(patch: Record<string, unknown>, actor: { userId: string; ip?: string | null }): Promise<Record<string, unknown>> {
    await this.deps.settings.update(patch, actor);
    return this.settings();
  }

  listOrganizations(limit: number, offset: number) {
    return this.deps.store.repos.orgs.list(limit, offset);
  }
}
