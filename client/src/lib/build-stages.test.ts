import { describe, expect, it } from 'vitest';
import { furthestStage, stageOf } from './build-stages';

describe('build stages', () => {
  it('recognises the stage headers, with colours or a remote: prefix', () => {
    expect(stageOf('-----> Fetching source')).toBe('Fetching');
    expect(stageOf('\u001b[1m-----> Compiling with nodejs\u001b[0m')).toBe('Compiling');
    expect(stageOf('remote: -----> Launching')).toBe('Launching');
    expect(stageOf('-----> nodejs app detected')).toBeNull();
    expect(stageOf('       Installing node')).toBeNull();
  });
  it('finds the furthest stage', () => {
    expect(furthestStage([])).toBe(-1);
    expect(furthestStage(['-----> Fetching', 'x', '-----> Detecting buildpack', '-----> Compiling with nodejs'])).toBe(2);
  });
});
