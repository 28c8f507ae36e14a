// Test support: put an app in the state a successful build leaves it in (slug + release +
// formation), straight through the repositories, for api tests that do not need a real build.
import { randomUUID } from 'node:crypto';
import type { ApiContext } from '@slipway/api/context';

export async function seedRelease(ctx: ApiContext, appId: string, processTypes: Record<string, string> = { web: 'node server.js', worker: 'node worker.js' }) {
  return ctx.store.transaction(async (repos) => {
    const app = (await repos.apps.lock(appId))!;
    const slug = await repos.slugs.create({
      id: randomUUID(), appId, buildId: null, objectKey: `slugs/${appId}/${randomUUID()}.tgz`, size: 1234, sha256: 'a'.repeat(64),
      processTypes, stack: 'slipway-1', buildpack: 'nodejs', commit: 'b'.repeat(40),
    });
    await repos.formation.syncWithProcessTypes(appId, processTypes);
    const release = await ctx.releases.create(repos, app, { slugId: slug.id, image: null, description: 'Deploy bbbbbbb', userId: app.createdBy });
    await repos.releases.makeCurrent(appId, release.id);
    return { slug, release };
  });
}
