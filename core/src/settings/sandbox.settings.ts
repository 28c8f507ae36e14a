// Limits of sandboxed builds and dynos (both runtimes): memory, CPU and process count of a build,
// process count of a dyno (a dyno's memory and CPU come from its plan). Read by the worker when a
// build or dyno starts, so a change applies to the next one.
import { z } from 'zod';
import { defineSetting, wholeNumber as whole } from './setting.js';

export const buildMemoryMb = defineSetting<number>({
  key: 'build_memory_mb',
  group: 'builds',
  description: 'Memory a build may use, in MB; a build that needs more fails with "out of memory".',
  schema: whole('build_memory_mb', 256, 65_536),
  default: () => 2048,
});

export const buildCpus = defineSetting<number>({
  key: 'build_cpus',
  group: 'builds',
  description: 'CPU cores a build may use (e.g. 1.5).',
  schema: z.number({ error: 'build_cpus must be a number' }).min(0.1, 'build_cpus must be from 0.1 to 64').max(64, 'build_cpus must be from 0.1 to 64'),
  default: () => 2,
});

export const buildMaxProcesses = defineSetting<number>({
  key: 'build_max_processes',
  group: 'builds',
  description: 'Processes and threads a build may run at once.',
  schema: whole('build_max_processes', 64, 65_536),
  default: () => 2048,
});

export const dynoMaxProcesses = defineSetting<number>({
  key: 'dyno_max_processes',
  group: 'runtime',
  description: 'Processes and threads one dyno may run at once (Heroku allows 256 on standard dynos).',
  schema: whole('dyno_max_processes', 32, 65_536),
  default: () => 512,
});
