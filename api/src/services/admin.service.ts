// Platform settings for the admin console: every setting's value in effect (secrets only as set or
// not), the catalog with what edits each one, validated updates, and the two connection tests —
// the object store (writes, reads back and deletes an object with the settings being edited, the
// stored ones filling what the form leaves out) and the Docker engine; plus the infrastructure
// report (runtime, Docker, object store in use).
import type { Config } from '@slipway/core/config/config';
import { ValidationError } from '@slipway/core/errors';
import type { Settings } from '@slipway/core/settings/settings.service';
import { dockerHost, objectStoreKind, s3AccessKeyId, s3Bucket, s3Endpoint, s3Region, s3SecretAccessKey } from '@slipway/core/settings/admin.settings';
import type { SettingDef } from '@slipway/core/settings/setting';
import { probeObjectStore, readObjectStoreSettings, type ObjectStoreSettings } from '@slipway/core/adapters/object-store/configured.object-store';
import { probeDocker, type DockerConnectionInfo } from '@slipway/core/adapters/docker/docker.client';
import type { ObjectStoreProbe } from '@slipway/core/ports/object-store.port';

export interface InfraProbes {
  runtime: 'local' | 'swarm';
  docker: (() => Promise<unknown>) | null;
  /** kind: the store in use (asked after check(), which may switch to what the settings say). */
  objectStore: { kind: () => 'fs' | 's3'; check?: () => Promise<unknown> };
}

const OBJECT_STORE_FIELDS: [SettingDef<string>, keyof ObjectStoreSettings][] = [
  [objectStoreKind as SettingDef<string>, 'kind'],
  [s3Endpoint, 'endpoint'],
  [s3Region, 'region'],
  [s3Bucket, 'bucket'],
  [s3AccessKeyId, 'accessKeyId'],
  [s3SecretAccessKey, 'secretAccessKey'],
];

function valid<T>(def: SettingDef<T>, value: unknown): T {
  const parsed = def.schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`${def.key}: ${parsed.error.issues[0]?.message ?? 'invalid value'}`, { field: def.key });
  return parsed.data;
}

export class AdminService {
  constructor(private readonly deps: { settings: Settings; config: Config; infra: InfraProbes }) {}

  /** Where apps run and where slugs live, as the admin console shows it. */
  async infrastructure(): Promise<Record<string, unknown>> {
    const { infra } = this.deps;
    return {
      runtime: infra.runtime,
      docker: infra.docker ? await infra.docker() : null,
      object_store: await (async () => {
        const check = infra.objectStore.check ? await infra.objectStore.check() : { ok: true };
        return { kind: infra.objectStore.kind(), check };
      })(),
    };
  }

  /** Every setting's value in effect by key (secrets are reported only as set or not). */
  async settings(): Promise<Record<string, unknown>> {
    const views = await this.deps.settings.list();
    return Object.fromEntries(views.map((v) => [v.key, v.secret ? { is_set: v.isSet } : v.value]));
  }

  /** The catalog with descriptions, groups, defaults and input shapes, for the admin console. */
  settingsCatalog() {
    return this.deps.settings.list();
  }

  async updateSettings(patch: Record<string, unknown>, actor: { userId: string; ip?: string | null }): Promise<Record<string, unknown>> {
    await this.deps.settings.update(patch, actor);
    return this.settings();
  }

  /** Tests the object store described by `overrides` (setting keys; missing or empty secret:
   *  the stored value) over the stored settings. Nothing is saved. */
  async testObjectStore(overrides: Record<string, unknown>): Promise<ObjectStoreProbe> {
    const known = new Set(OBJECT_STORE_FIELDS.map(([d]) => d.key));
    for (const key of Object.keys(overrides)) {
      if (!known.has(key)) throw new ValidationError(`${key} is not an object store setting; they are ${[...known].join(', ')}.`, { field: key });
    }
    const s = await readObjectStoreSettings(this.deps.settings);
    for (const [def, field] of OBJECT_STORE_FIELDS) {
      const v = overrides[def.key];
      if (v === undefined || v === null || (def.secret && v === '')) continue;
      (s as unknown as Record<string, unknown>)[field] = valid(def, v);
    }
    return probeObjectStore(s, this.deps.config);
  }

  /** Connects to `host` (default: the stored setting) and reports the engine and its swarm. */
  async testDocker(host: unknown): Promise<DockerConnectionInfo> {
    const h = host === undefined || host === null || host === '' ? await this.deps.settings.get(dockerHost) : valid(dockerHost, host);
    return probeDocker({ host: h, tlsDir: this.deps.config.docker.tlsDir });
  }
}
