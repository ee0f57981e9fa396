import { mkdirSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newSweepId, planSweep } from '@sweeps/core';
import { createDb, createSweep } from '@sweeps/db';
import { TEST_DATABASE_URL } from '../../../test/support/services.ts';
import { studySweep } from '../../../test/fixtures/study-mnist.ts';
import { removeExpiredTrialDirs } from './trial-dir-retention.ts';

const db = createDb(TEST_DATABASE_URL);
const dataDir = mkdtempSync(path.join(tmpdir(), 'sweeps-retention-'));
afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await db.$disconnect();
});

describe('trial directory retention', () => {
  it('removes directories of trials finished longer ago than the retention, and of unknown old trials only', async () => {
    const { trialIds } = await createSweep(
      db,
      newSweepId(randomBytes(8).toString('hex')),
      planSweep(studySweep()),
    );
    const [oldDone, newDone, queued, oldFailed] = trialIds as [string, string, string, string];
    const hour = 3_600_000;
    await db.trial.update({
      where: { id: oldDone },
      data: { state: 'succeeded', finishedAt: new Date(Date.now() - 3 * hour) },
    });
    await db.trial.update({
      where: { id: oldFailed },
      data: { state: 'failed', finishedAt: new Date(Date.now() - 3 * hour) },
    });
    await db.trial.update({
      where: { id: newDone },
      data: { state: 'succeeded', finishedAt: new Date() },
    });
    const gone = `tr_${'f'.repeat(40)}`; // its sweep was deleted
    const goneRecent = `tr_${'e'.repeat(40)}`;
    for (const id of [oldDone, newDone, queued, oldFailed, gone, goneRecent]) {
      mkdirSync(path.join(dataDir, 'trials', id, 'logs'), { recursive: true });
      writeFileSync(path.join(dataDir, 'trials', id, 'snapshot.bin'), 'x');
    }
    const old = new Date(Date.now() - 3 * hour);
    utimesSync(path.join(dataDir, 'trials', gone), old, old);
    mkdirSync(path.join(dataDir, 'trials', 'not-a-trial'));
    const removed = await removeExpiredTrialDirs(db, dataDir, 2 * hour);
    expect(removed.sort()).toEqual([oldDone, oldFailed, gone].sort());
    for (const id of [newDone, queued, goneRecent])
      expect(existsSync(path.join(dataDir, 'trials', id, 'snapshot.bin'))).toBe(true);
    expect(existsSync(path.join(dataDir, 'trials', 'not-a-trial'))).toBe(true);
    expect(await removeExpiredTrialDirs(db, dataDir, 2 * hour)).toEqual([]);
  });
});
