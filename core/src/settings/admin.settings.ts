// Settings of the admin console's own areas: where slugs and build artifacts are stored (the object
// store, which follows these live: see adapters/object-store/configured.object-store.ts), the
// default domain, the build timeout, the Docker endpoint, health-check defaults and log retention. Their first-boot defaults come from
// the environment (Config), so an install configured by environment keeps working unchanged.
import { z } from 'zod';
import { defineSetting } from './setting.js';

const url = (key: string) => z.union([z.literal(''), z.url({ protocol: /^https?$/, error: `${key} must be an http(s) URL or empty` })]);

export const objectStoreKind = defineSetting<'fs' | 's3'>({
  key: 'object_store_kind',
  group: 'object_store',
  description: 'Where slugs, build sources and build logs are kept: fs (under the data directory) or s3. Objects already stored are not moved: copy them before switching.',
  schema: z.enum(['fs', 's3'], { error: 'object_store_kind must be fs or s3' }),
  default: (c) => c.objectStore.kind,
});

export const s3Endpoint = defineSetting<string>({
  key: 's3_endpoint',
  group: 'object_store',
  description: 'S3 endpoint URL (MinIO, Ceph, …); empty for AWS S3 in the region below.',
  schema: url('s3_endpoint'),
  default: (c) => (c.objectStore.kind === 's3' ? (c.objectStore.endpoint ?? '') : ''),
});

export const s3Region = defineSetting<string>({
  key: 's3_region',
  group: 'object_store',
  description: 'S3 region.',
  schema: z.string().regex(/^[a-z0-9-]{2,32}$/, 's3_region must be a region name such as us-east-1'),
  default: (c) => (c.objectStore.kind === 's3' ? c.objectStore.region : 'us-east-1'),
});

export const s3Bucket = defineSetting<string>({
  key: 's3_bucket',
  group: 'object_store',
  description: 'S3 bucket (created on first use when missing).',
  schema: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 's3_bucket must be 3-63 lowercase letters, digits, dots or dashes'),
  default: (c) => (c.objectStore.kind === 's3' ? c.objectStore.bucket : 'slipway'),
});

export const s3AccessKeyId = defineSetting<string>({
  key: 's3_access_key_id',
  group: 'object_store',
  description: 'S3 access key ID.',
  schema: z.string().max(128, 's3_access_key_id is at most 128 characters'),
  default: (c) => (c.objectStore.kind === 's3' ? (c.objectStore.accessKeyId ?? '') : ''),
});

export const s3SecretAccessKey = defineSetting<string>({
  key: 's3_secret_access_key',
  group: 'object_store',
  description: 'S3 secret access key.',
  schema: z.string().max(256, 's3_secret_access_key is at most 256 characters'),
  default: (c) => (c.objectStore.kind === 's3' ? (c.objectStore.secretAccessKey ?? '') : ''),
  secret: true,
});

export const defaultDomain = defineSetting<string>({
  key: 'default_domain',
  group: 'domains',
  description: 'Apps are served at <app>.<this domain> (point a wildcard DNS record at the edge). Read when the api and worker start; existing apps move to it then.',
  schema: z.string().max(200, 'default_domain is at most 200 characters').regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'default_domain must be a DNS name such as apps.example.com'),
  default: (c) => c.domain,
  takesEffect: 'restart',
});

export const buildTimeoutSeconds = defineSetting<number>({
  key: 'build_timeout_seconds',
  group: 'builds',
  description: 'A build still running after this long is stopped and fails. Read when the worker starts.',
  schema: z.number({ error: 'build_timeout_seconds must be a number' }).int('build_timeout_seconds must be a whole number').min(60, 'build_timeout_seconds must be from 60 to 86400').max(86_400, 'build_timeout_seconds must be from 60 to 86400'),
  default: (c) => c.build.timeoutSeconds,
  takesEffect: 'restart',
});

export const dockerHost = defineSetting<string>({
  key: 'docker_host',
  group: 'runtime',
  description: 'The Docker engine of the swarm runtime: unix:///path or tcp://host:port (TLS from SLIPWAY_DOCKER_TLS_DIR). Read when the api and worker start.',
  schema: z.string().regex(/^(unix:\/\/\/[^\s]+|tcp:\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):\d{1,5}\/?)$/, 'docker_host must be unix:///path or tcp://host:port'),
  default: (c) => c.docker.host,
  takesEffect: 'restart',
});

export const healthCheckDefaultPath = defineSetting<string>({
  key: 'health_check_default_path',
  group: 'runtime',
  description: 'HTTP path checked on web dynos of apps that set none (empty: a TCP connect to the port). Used from the next deploy or scale.',
  schema: z.union([z.literal(''), z.string().regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/%-]{0,199}$/, 'health_check_default_path must be empty or a path starting with /')]),
  default: () => '',
});

export const healthCheckBootTimeoutSeconds = defineSetting<number>({
  key: 'health_check_boot_timeout_seconds',
  group: 'runtime',
  description: 'Local runtime: how long a new dyno has to pass its first health check before the deploy fails. Read when the worker starts.',
  schema: z.number({ error: 'health_check_boot_timeout_seconds must be a number' }).int('health_check_boot_timeout_seconds must be a whole number').min(5, 'health_check_boot_timeout_seconds must be from 5 to 3600').max(3600, 'health_check_boot_timeout_seconds must be from 5 to 3600'),
  default: (c) => c.local.bootTimeoutSeconds,
  takesEffect: 'restart',
});

export const logRetentionHours = defineSetting<number>({
  key: 'log_retention_hours',
  group: 'logs',
  description: 'How long app log lines are kept (at most log_retention_lines per app).',
  schema: z.number({ error: 'log_retention_hours must be a number' }).int('log_retention_hours must be a whole number').min(1, 'log_retention_hours must be from 1 to 2160').max(2160, 'log_retention_hours must be from 1 to 2160'),
  default: () => 7 * 24,
});

export const logRetentionLines = defineSetting<number>({
  key: 'log_retention_lines',
  group: 'logs',
  description: 'How many recent log lines are kept per app.',
  schema: z.number({ error: 'log_retention_lines must be a number' }).int('log_retention_lines must be a whole number').min(100, 'log_retention_lines must be from 100 to 1000000').max(1_000_000, 'log_retention_lines must be from 100 to 1000000'),
  default: () => 5000,
});
