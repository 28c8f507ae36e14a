// The signed-in user: /account, /account/keys (SSH public keys), /api/v1/tokens (API tokens).
import { Router } from 'express';
import type { HttpContext } from '../context.js';
import { requireActor } from '../middleware/auth.js';
import { accountJson, keyJson } from '../serializers/heroku.serializer.js';
import { newTokenJson, tokenJson } from '../serializers/account.serializer.js';

export function accountRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { sshKeys, auth } = ctx.services;
  r.use(['/account', '/api/v1/tokens'], requireActor);

  r.get('/account', (req, res) => {
    res.json(accountJson(req.actor!.user));
  });

  r.get('/account/keys', async (req, res) => {
    res.json((await sshKeys.list(req.actor!.user.id)).map((k) => keyJson(k, req.actor!.user.email)));
  });

  r.post('/account/keys', async (req, res) => {
    const key = await sshKeys.add(req.actor!.user.id, (req.body ?? {}).public_key);
    res.status(201).json(keyJson(key, req.actor!.user.email));
  });

  r.delete('/account/keys/:key', async (req, res) => {
    await sshKeys.remove(req.actor!.user.id, req.params.key);
    res.status(204).end();
  });

  r.get('/api/v1/tokens', async (req, res) => {
    const tokens = await auth.listTokens(req.actor!.user.id);
    res.json(tokens.map(tokenJson));
  });

  r.post('/api/v1/tokens', async (req, res) => {
    const { token, row } = await auth.createApiToken(req.actor!.user.id, (req.body ?? {}).description ?? '');
    res.status(201).json(newTokenJson(row, token));
  });

  r.delete('/api/v1/tokens/:id', async (req, res) => {
    await auth.revokeToken(req.actor!.user.id, req.params.id);
    res.status(204).end();
  });

  return r;
}
