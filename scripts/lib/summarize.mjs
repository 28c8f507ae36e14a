// Adds up the test results of every tier (vitest JSON reports + *.count files) and prints the
// final line: "N passed, N failed, N skipped", preceded by one line per failure (tier, file, test and
// the first line of its message) so that the tail of a long log still says what failed. Exits 1
// when anything failed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
let passed = 0, failed = 0, skipped = 0;
const failures = [];
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const firstLine = (messages) => String(messages?.[0] ?? '').replace(ANSI, '').split('\n')[0].slice(0, 200);
for (const f of readdirSync(dir)) {
  const file = path.join(dir, f);
  if (f.endsWith('.count')) {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    passed += c.passed; failed += c.failed; skipped += c.skipped;
    if (c.failed > 0) failures.push(`${f.replace(/\.count$/, '')}: failed (see its output above)`);
  } else if (f.endsWith('.json')) {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += (r.numFailedTests ?? 0);
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    const tier = f.replace(/\.json$/, '');
    for (const s of r.testResults ?? []) {
      const testFile = path.relative(path.dirname(path.resolve(dir)), s.name ?? '');
      const tests = s.assertionResults ?? [];
      const failedTests = tests.filter((a) => a.status === 'failed');
      for (const a of failedTests) failures.push(`${tier}: ${testFile} > ${a.fullName}: ${firstLine(a.failureMessages)}`);
      // a file that failed with no failed test (it did not load, or its beforeAll/afterAll threw and
      // its tests were skipped) still counts as one failure
      if (s.status === 'failed' && failedTests.length === 0) {
        failed += 1;
        failures.push(`${tier}: ${testFile}: ${tests.length ? 'failed outside its tests' : 'did not load'}: ${firstLine([s.message])}`);
      }
    }
  }
}
if (failures.length > 0) console.log(['failures:', ...failures.map((l) => `  ${l}`)].join('\n'));
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
