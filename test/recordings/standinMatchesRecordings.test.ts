// The stand-in answers the recording script as the real JobManagers answered it, version by version: same steps, same
// statuses and content types, same fields present and absent with the same types, same states, same error text shown.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { readRecording, recordedVersions } from './fixtureStore';
import type { RecordedCall } from './restCall';
import { compareCalls } from './restShape';
import { replayOnStandin } from './standinReplay';

export function compareRecordings(recorded: RecordedCall[], actual: RecordedCall[]): string[] {
  const out: string[] = [];
  const steps = (cs: RecordedCall[]): string[] => cs.map((c) => c.step);
  if (steps(recorded).join(',') !== steps(actual).join(',')) {
    out.push(`the steps differ:\n  recorded: ${steps(recorded).join(', ')}\n  stand-in: ${steps(actual).join(', ')}`);
  }
  const byStep = new Map(actual.map((c) => [c.step, c]));
  for (const r of recorded) {
    const a = byStep.get(r.step);
    if (a) out.push(...compareCalls(r, a));
  }
  return out;
}

describe('Flink stand-in against the recordings of real JobManagers', () => {
  const versions = recordedVersions();
  it('has a recording of every tested version', () => {
    assert.deepEqual(versions, ['1.13.6', '1.20.5', '2.3.0']);
  });
  for (const version of versions) {
    it(`answers the recording script as Flink ${version} does`, async () => {
      const recorded = readRecording(version);
      const actual = await replayOnStandin(version);
      const differences = compareRecordings(recorded, actual);
      assert.equal(differences.length, 0, `${differences.length} differences from the recording of Flink ${version}:\n${differences.join('\n')}`);
    });
  }
});
