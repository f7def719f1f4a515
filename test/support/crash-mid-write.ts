import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Leaves `path` (a run store closed cleanly, so in rollback-journal mode) as a process killed
 * in the middle of a write leaves it: a transaction begun, its pages spilled to the file and a
 * hot journal beside it, then SIGKILL. Only a writer can roll that journal back.
 */
export function crashMidWrite(path: string): void {
  const child = spawnSync(
    process.execPath,
    [
      '-e',
      `const D = require('better-sqlite3');
       const db = new D(${JSON.stringify(path)});
       db.pragma('cache_size = 1');
       db.exec('BEGIN; CREATE TABLE crash_scratch (x)');
       const add = db.prepare('INSERT INTO crash_scratch VALUES (?)');
       for (let i = 0; i < 20000; i += 1) add.run('x'.repeat(100));
       process.kill(process.pid, 'SIGKILL');`,
    ],
    { cwd: process.cwd() },
  );
  if (child.signal !== 'SIGKILL' || !existsSync(`${path}-journal`))
    throw new Error(`the crash left no journal: ${child.stderr.toString()}`);
}
