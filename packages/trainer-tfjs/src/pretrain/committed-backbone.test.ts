import { stat } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../backend/select-backend.ts';
import { DEMO, DEMO_BACKBONE } from '../bin/demo-train.ts';
import { loadBackboneWeights } from '../checkpoint/load.ts';
import { readSafetensors } from '../checkpoint/safetensors.ts';
import { disposeStore } from '../model/params.ts';
import { createResNet } from '../model/resnet.ts';
import {
  BACKBONES_DIR,
  findCommittedBackbone,
  readBackboneManifest,
  sha256File,
  verifiedBackbonePath,
} from './committed-backbone.ts';

beforeAll(async () => {
  await selectBackend({ force: 'wasm' });
});

describe('committed backbones', () => {
  it("holds the demo's base backbone, so a first demo run need not pretrain", () => {
    const demo = findCommittedBackbone({ ...DEMO_BACKBONE, epochs: DEMO.pretrainEpochs });
    expect(demo?.command).toContain(`--epochs ${DEMO.pretrainEpochs}`);
    expect(demo?.command).toContain(`backbones/${demo?.file}`);
  });

  for (const b of readBackboneManifest()) {
    it(`${b.file}: the bytes the manifest's command wrote, and a ResNet-${b.depth} x${b.width}'s tensors`, async () => {
      const file = `${BACKBONES_DIR}${b.file}`;
      expect((await stat(file)).size).toBe(b.bytes);
      expect(await sha256File(file)).toBe(b.sha256);
      const read = await readSafetensors(file);
      expect(read.metadata).toMatchObject({
        arch: `resnet${b.depth} width ${b.width}`,
        epochs: String(b.epochs),
        top1: String(b.top1),
      });
      // Every tensor of the backbone, none missing or extra, each of the model's shape (checked on load).
      const model = createResNet({ depth: b.depth, width: b.width });
      try {
        const loaded = await loadBackboneWeights(model, file, { log: () => {} });
        expect(loaded.missingKeys).toEqual([]);
        expect(loaded.unexpectedKeys).toEqual([]);
        expect(loaded.loadedKeys).toHaveLength(read.tensors.size);
        const conv1 = read.tensors.get('conv1.weight');
        expect(conv1?.shape).toEqual([Math.round(64 * b.width), 3, 7, 7]);
        expect(conv1?.dtype).toBe('F32');
      } finally {
        disposeStore(model.params);
      }
    });
  }

  it('refuses a file whose hash is not the manifest one, naming the command that makes it', async () => {
    const [first] = readBackboneManifest();
    if (!first) throw new Error('the manifest lists no backbone');
    await expect(verifiedBackbonePath({ ...first, sha256: '0'.repeat(64) })).rejects.toThrow(
      `make it again with: ${first.command}`,
    );
    await expect(verifiedBackbonePath({ ...first, file: 'absent.safetensors' })).rejects.toThrow(
      'is missing',
    );
    expect(await verifiedBackbonePath(first)).toBe(`${BACKBONES_DIR}${first.file}`);
  });
});
