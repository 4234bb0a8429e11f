// How a push is planned against the cloud's version, and what a refused push says happened.
import * as assert from 'assert';
import { conflictMessage, planPush } from '../../../src/cloud/syncPlan';

const differs = (version: number) =>
  ({ name: 'TRIM_KEY', state: 'differs', cloud: { version } }) as unknown as Parameters<typeof planPush>[1];

describe('push plan and conflict message', () => {
  it('a key never synced from here meets a different cloud value: a conflict with no last-seen version', () => {
    assert.deepStrictEqual(planPush(undefined, differs(1)), {
      kind: 'conflict',
      cloudVersion: 1,
      lastSeenVersion: undefined,
    });
  });

  it('does not blame the cloud when only this machine changed (deleted, re-added, pushed)', () => {
    const text = conflictMessage('TRIM_KEY', 1, undefined);
    assert.doesNotMatch(text, /changed in the cloud/);
    assert.match(text, /never synced/);
    assert.match(text, /version 1/);
  });

  it('names the versions when the cloud moved on since the last sync', () => {
    assert.match(
      conflictMessage('TRIM_KEY', 3, 2),
      /TRIM_KEY changed in the cloud \(now version 3, this machine last synced version 2\)/,
    );
  });
});
