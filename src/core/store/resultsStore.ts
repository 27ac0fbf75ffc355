import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RunRecord } from '../records.js';

/**
 * Append-only JSON-lines file of run records. Appending one line per run keeps a crash
 * from corrupting earlier results, and the file stays readable with grep and jq.
 */
export class ResultsStore {
  private listeners = new Set<(r: RunRecord) => void>();

  constructor(readonly path: string) {}

  async append(record: RunRecord): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(record)}\n`, 'utf8');
    for (const l of this.listeners) l(record);
  }

  /** Reads every record; a torn last line (crash while writing) is skipped, not fatal. */
  async readAll(): Promise<RunRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: RunRecord[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as RunRecord);
      } catch {
        // A partial line from an interrupted write: ignore it rather than lose the rest.
      }
    }
    return out;
  }

  /** Called after each append; returns an unsubscribe function. */
  onAppend(listener: (r: RunRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
