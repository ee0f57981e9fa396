/** Trainer options checked at preview/submit, the GPU capacity check and the derived-config preview. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, registerWorker, stopWorker } from '@sweeps/db';
import { apiTestServices } from '../../../test/support/api-services.ts';
import { buildApp } from './app.ts';

const services = apiTestServices('checks');
const { deps } = services;
const { db } = deps;
const workerId = `w-${randomBytes(4).toString('hex')}`;
let app: Awaited<ReturnType<typeof buildApp>>;
let headers: Record<string, string> = {};

const sweep = (trainer: Record<string, unknown>, fixed: Record<string, unknown> = {}) => ({
  name: 'checks',
  metric: { name: 'bbox_mAP' },
  trainer,
  checkpoints: [
    { name: 'tv', uri: 'torchvision://resnet50', baseline: true },
    { name: 'rsb', uri: 'file:///ckpt/rsb.pth', prefix: 'backbone.' },
  ],
  space: {
    optimizer: {
      SGD: { lr: [0.02], weight_decay: [1e-4] },
      AdamW: { lr: [1e-4], weight_decay: [0.05, 0.1] },
    },
  },
  fixed,
});
const mmdet = (extra: Record<string, unknown> = {}) => ({
  kind: 'mmdet',
  version: 3,
  config: 'configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py',
  root: '/opt/mmdetection',
  ...extra,
});
const preview = (body: unknown, url = '/api/v1/sweeps/preview') =>
  app.inject({ method: 'POST', url, headers, payload: body as object });

beforeAll(async () => {
  app = await buildApp(deps, { logLevel: 'silent', rateLimitPerMin: 1000 });
  headers = { authorization: `Bearer ${(await createApiKey(db, 'read', 'checks-test')).key}` };
  await registerWorker(db, {
    id: workerId,
    host: 'gpu-node-7',
    slots: 2,
    pid: 1,
    devices: [0, 1].map((i) => ({ slot: i, kind: 'gpu' as const, index: i, name: 'H100' })),
  });
});
afterAll(async () => {
  await stopWorker(db, workerId);
  await app.close();
  await services.close();
});

describe('trainer options at preview and submit', () => {
  it('refuses a tfjs option typo with its path (it used to fail every trial on the worker)', async () => {
    const res = await preview(sweep({ kind: 'tfjs', options: { depht: 50 } }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues).toEqual([
      expect.objectContaining({ path: 'trainer.options', message: 'unknown option(s): depht' }),
    ]);
  });

  it('refuses bad mmdet fields and fixed keys the trainer would ignore, all at once', async () => {
    const res = await preview(
      sweep(mmdet({ version: 4, gpus_per_trial: 9, cfg_options: { 'a b': 1 } }), { epoch: 12 }),
    );
    expect(res.statusCode).toBe(400);
    const paths = res.json().error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['trainer.version', 'trainer.gpus_per_trial', 'fixed.epoch']),
    );
    expect(paths.some((p: string) => p.startsWith('trainer.cfg_options'))).toBe(true);
  });

  it('refuses more GPUs per trial than the largest live worker has, naming it', async () => {
    const res = await preview(sweep(mmdet({ gpus_per_trial: 4 })));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.issues[0].path).toBe('trainer.gpus_per_trial');
    expect(res.json().error.message).toMatch(/has [2-9]\d*/);
    expect((await preview(sweep(mmdet({ gpus_per_trial: 2 })))).statusCode).toBe(200);
  });

  it('shows the derived config and command of any cell', async () => {
    const res = await preview(
      { sweep: sweep(mmdet(), { norm_decay_mult: 0, max_epochs: 12 }), cell: 3, checkpoint: 'rsb' },
      '/api/v1/sweeps/preview/derived-config',
    );
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.cell).toMatchObject({ optimizer: 'AdamW', params: { lr: 1e-4, weight_decay: 0.1 } });
    expect(d.config).toContain(
      "optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, weight_decay=0.1), paramwise_cfg=dict(norm_decay_mult=0, bypass_duplicate=True))",
    );
    expect(d.config).toContain(
      "init_cfg=dict(_delete_=True, type='Pretrained', checkpoint='/ckpt/rsb.pth', prefix='backbone.')",
    );
    expect(d.argv.slice(0, 2)).toEqual(['python3', 'tools/train.py']);
  });
});
