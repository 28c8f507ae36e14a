// Procfile parsing, as Heroku reads it: one `type: command` per line; blank lines and `#` comments
// are skipped; CRLF and a UTF-8 BOM are accepted. A malformed line, a bad type name or a type
// declared twice is an error that names the line.
import { BuildFailure } from './build-failure.js';
import { PROCESS_TYPE_RULE } from '@slipway/core/naming';

const LINE_RE = /^([^:\s]+)\s*:\s*(.*)$/;
const TYPE_RE = new RegExp(PROCESS_TYPE_RULE);

export class ProcfileError extends BuildFailure {}

export function parseProcfile(text: string): Record<string, string> {
  const types: Record<string, string> = {};
  const firstLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE_RE.exec(line);
    if (!m) throw new ProcfileError(`Procfile line ${n}: expected "type: command", got "${short(line)}"`);
    const [, type = '', command = ''] = m;
    if (!TYPE_RE.test(type)) {
      throw new ProcfileError(`Procfile line ${n}: process type "${short(type)}" must match ${PROCESS_TYPE_RULE} (lowercase letters, digits, "-" and "_")`);
    }
    if (!command.trim()) throw new ProcfileError(`Procfile line ${n}: process type "${type}" has no command`);
    const seen = firstLine.get(type);
    if (seen !== undefined) throw new ProcfileError(`Procfile line ${n}: process type "${type}" is declared twice (first on line ${seen})`);
    firstLine.set(type, n);
    types[type] = command.trim();
  });
  return types;
}

function short(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
