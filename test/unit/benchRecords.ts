import type { CheckpointRecord } from '../../src/core/records.js';

/** Hand-made benchmark records for the summary tests: a memhog checkpoint of `sizeMb`, ok, 100 ms. */
export const MB = 2 ** 20;

export function memhogCheckpoint(sizeMb: number, o: Partial<CheckpointRecord> & Pick<CheckpointRecord, 'id' | 'checkpointName' | 'startedAt'>): CheckpointRecord {
  return {
    kind: 'checkpoint',
    host: 'local',
    container: `c-${sizeMb}`,
    containerId: `id${sizeMb}`,
    image: 'cryo-memhog:latest',
    memoryBytes: sizeMb * MB,
    imageBytes: sizeMb * MB,
    engine: 'runc',
    options: { leaveRunning: true, preDump: false },
    wallMs: 100,
    outcome: 'ok',
    ...o,
  };
}
