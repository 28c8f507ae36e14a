// Resolve an app from the URL for one user: by name or id, only within the user's organizations,
// then check the user's role allows the action. Unknown and foreign apps are the same 404.
import { NotFoundError } from '@slipway/core/errors';
import { assertCan, type Permission } from '@slipway/core/domain/access';
import type { Store } from '@slipway/core/repositories/index';
import type { AppSummary } from '@slipway/core/repositories/app.repository';

export class AppLookup {
  constructor(private readonly store: Store) {}

  async resolve(userId: string, idOrName: string, perm: Permission, action: string): Promise<AppSummary> {
    if (idOrName.length > 64) throw new NotFoundError("Couldn't find that app.", { resource: 'app' });
    const app = await this.store.repos.apps.findForUser(userId, idOrName);
    if (!app) throw new NotFoundError("Couldn't find that app.", { resource: 'app' });
    assertCan(app.role, perm, action);
    return app;
  }
}
