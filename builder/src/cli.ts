#!/usr/bin/env node
// The builder CLI: `node cli.js <request.json>` (see request.ts). Streams build output lines on
// stdout as they happen, writes <workDir>/result.json (a BuildExecution) and exits 0 on success,
// 1 when the app's build failed, 2 on an internal error. SIGTERM/SIGINT cancel the build: running
// buildpack processes are killed (their process groups) before the CLI exits.
// Entry point: this file runs on import, like a main.ts. It reads no environment variables.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SpawnCommandRunner } from '@slipway/core/adapters/command/spawn.command-runner';
import { RESULT_FILE, runPipeline } from './pipeline.js';
import { readBuilderRequest, type BuilderRequest } from './request.js';

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function main(argv: string[]): Promise<number> {
  const file = argv[2];
  if (!file) {
    process.stderr.write('usage: node cli.js <request.json>\n');
    return 2;
  }
  let request: BuilderRequest;
  try {
    request = await readBuilderRequest(file);
  } catch (err) {
    process.stderr.write(`builder: ${(err as Error).message}\n`);
    return 2;
  }
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGTERM', cancel);
  process.once('SIGINT', cancel);
  const resultFile = path.join(request.workDir, RESULT_FILE);
  try {
    const result = await runPipeline({ request, runner: new SpawnCommandRunner(2_000), onLine: out, signal: controller.signal });
    await writeFile(resultFile, JSON.stringify(result));
    return result.ok ? 0 : 1;
  } catch (err) {
    out('!     Build failed: internal builder error');
    process.stderr.write(`builder: ${(err as Error).stack ?? String(err)}\n`);
    await writeFile(resultFile, JSON.stringify({ ok: false, message: 'internal builder error' })).catch(() => undefined);
    return 2;
  }
}

main(process.argv).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`builder: ${String(err)}\n`);
    process.exitCode = 2;
  },
);
