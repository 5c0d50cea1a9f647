import { describe, expect, test } from 'vitest';
import { workerExecArgv, YOUNG_GENERATION_FLAG } from '../../../engine/gateway/cluster.js';

describe('workerExecArgv', () => {
  test('adds the larger young generation to the flags the primary runs with', () => {
    expect(workerExecArgv(['--enable-source-maps'])).toEqual(['--enable-source-maps', YOUNG_GENERATION_FLAG]);
  });

  test('keeps a size the user chose on the command line', () => {
    expect(workerExecArgv(['--max-semi-space-size=8'])).toEqual(['--max-semi-space-size=8']);
  });

  test('keeps a size the user chose in NODE_OPTIONS', () => {
    expect(workerExecArgv([], '--inspect  --max-semi-space-size=64')).toEqual([]);
  });
});
