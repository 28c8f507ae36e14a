// Collaborators of an app (Heroku's /apps/{app}/collaborators, `heroku access`). On Slipway access
// to an app comes from membership of its organization (Heroku's team), so an app's collaborators
// are its organization's members: adding one adds the user to the organization as a member,
// removing one takes them out of it (and so out of its other apps too). Who may do that is the
// organization's rule (admins and owners).
import { NotFoundError } from '@slipway/core/errors';
import type { MemberRow, Role } from '@slipway/core/repositories/types';
import type { Store } from '@slipway/core/repositories/index';
import type { AppSummary } from '@slipway/core/repositories/app.repository';
import type { AppLookup } from './app-lookup.js';
import type { OrgsService } from './orgs.service.js';

/** Heroku's team app permissions that each Slipway role amounts to. */
export function permissionsOf(role: Role): string[] {
  if (role === 'viewer') return ['view'];
  if (role === 'member') return ['view', 'deploy', 'operate'];
  return ['view', 'deploy', 'operate', 'manage'];
}

export class CollaboratorsService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; orgs: OrgsService }) {}

  async list(userId: string, idOrName: string): Promise<{ app: AppSummary; members: MemberRow[] }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see collaborators');
    return { app, members: await this.deps.store.repos.orgs.members(app.orgId) };
  }

  async add(userId: string, idOrName: string, email: unknown): Promise<{ app: AppSummary; member: MemberRow }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see collaborators');
    const member = await this.deps.orgs.addMember(userId, app.orgId, { email, role: 'member' });
    return { app, member };
  }

  async remove(userId: string, idOrName: string, emailOrId: string): Promise<{ app: AppSummary; member: MemberRow }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see collaborators');
    const member = (await this.deps.store.repos.orgs.members(app.orgId)).find((m) => m.email === emailOrId || m.userId === emailOrId);
    if (!member) throw new NotFoundError(`${emailOrId.slice(0, 100)} is not a collaborator on ${app.name}.`, { resource: 'collaborator' });
    await this.deps.orgs.removeMember(userId, app.orgId, member.userId);
    return { app, member };
  }
}
