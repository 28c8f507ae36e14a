import { describe, expect, it } from 'vitest';
import { configFromAppJson, parseAppJson } from './app-json.js';

describe('app.json', () => {
  it('reads env, formation, buildpacks and the postdeploy script', () => {
    const m = parseAppJson(JSON.stringify({
      name: 'demo', logo: 'x', environments: { test: {} },
      env: { SECRET_KEY: { generator: 'secret' }, GREETING: { value: 'hi', description: 'said on /' }, OPTIONAL: { required: false }, PLAIN: 'v' },
      formation: { worker: { quantity: 1, size: 'standard' }, web: { quantity: 2 } },
      buildpacks: [{ url: 'heroku/nodejs' }],
      scripts: { postdeploy: 'node seed.js' },
      addons: ['heroku-postgresql'],
    }));
    expect(m.env).toEqual([
      { key: 'SECRET_KEY', description: undefined, value: undefined, required: true, generator: 'secret' },
      { key: 'GREETING', description: 'said on /', value: 'hi', required: true, generator: undefined },
      { key: 'OPTIONAL', description: undefined, value: undefined, required: false, generator: undefined },
      { key: 'PLAIN', description: undefined, value: 'v', required: true, generator: undefined },
    ]);
    expect(m.formation).toEqual({ worker: { quantity: 1, size: 'standard' }, web: { quantity: 2, size: undefined } });
    expect(m.buildpacks).toEqual(['heroku/nodejs']);
    expect(m.postdeploy).toEqual({ command: 'node seed.js' });
    expect(m.warnings).toEqual(['app.json: addons (heroku-postgresql) are not provisioned by Slipway']);
    expect(parseAppJson('{"scripts":{"postdeploy":{"command":"x","size":"pro"}}}').postdeploy).toEqual({ command: 'x', size: 'pro' });
    expect(parseAppJson('{"scripts":{"postdeploy":"x"}}').postdeploy).toEqual({ command: 'x', size: undefined });
  });

  it('names the field that is wrong', () => {
    expect(() => parseAppJson('{nope')).toThrow(/^app\.json is not valid JSON/);
    expect(() => parseAppJson('[]')).toThrow('app.json must hold a JSON object.');
    expect(() => parseAppJson('{"env":{"KEY":{"generator":"uuid"}}}')).toThrow(/^app\.json: env\.KEY\.generator: must be "secret"/);
    expect(() => parseAppJson('{"formation":{"worker":{"quantity":"one"}}}')).toThrow(/^app\.json: formation\.worker\.quantity:/);
    expect(() => parseAppJson('{"formation":{"Web Server":{"quantity":1}}}')).toThrow(/^app\.json: formation\.Web Server: process types must match/);
    expect(() => parseAppJson('{"env":{"bad-key":"x"}}')).toThrow(/^app\.json: env\.bad-key: keys must match/);
    expect(() => parseAppJson('{"buildpacks":["heroku/nodejs"]}')).toThrow(/^app\.json: buildpacks\.0:/);
    expect(() => parseAppJson('{"scripts":{"postdeploy":""}}')).toThrow(/^app\.json: scripts\.postdeploy/);
    expect(() => parseAppJson('{"buildpacks":[{"url":"http://10.0.0.1/bp.git"}]}')).toThrow(/^app\.json: buildpacks\.0\.url: must be a built-in buildpack .* or an https URL$/);
  });

  it('gives values and secrets to unset variables and insists on required ones', () => {
    const m = parseAppJson(JSON.stringify({ env: { SECRET_KEY: { generator: 'secret' }, GREETING: { value: 'hi' }, TOKEN: { description: 'API token' }, OPT: { required: false } } }));
    expect(() => configFromAppJson(m, {})).toThrow('app.json: env.TOKEN is required (API token): set it with `heroku config:set TOKEN=…` and push again.');
    const { set, generated } = configFromAppJson(m, { TOKEN: 't', GREETING: 'already' });
    expect(Object.keys(set)).toEqual(['SECRET_KEY']);
    expect(set.SECRET_KEY).toMatch(/^[0-9a-f]{64}$/);
    expect(generated).toEqual(['SECRET_KEY']);
    expect(configFromAppJson(m, { TOKEN: 't' }).set.GREETING).toBe('hi');
  });
});
