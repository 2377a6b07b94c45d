import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isProcessAlive, processState } from './is-process-alive.js';

describe('processState', () => {
  it('reads the state after the last parenthesis, whatever the command name holds', () => {
    const stat = (text: string) => () => text;
    expect(processState(1, stat('42 (sleep) S 1 42 42 0 -1'))).toBe('S');
    expect(processState(1, stat('42 (odd) Z (name) Z 1 42'))).toBe('Z');
    expect(processState(1, stat('42 (a b) R 1'))).toBe('R');
    expect(processState(1, () => {
      throw new Error('ENOENT');
    })).toBeUndefined();
  });
});

describe('isProcessAlive', () => {
  it('is true for a running process and false once it has exited, even before it is reaped', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    // A child of this process that exits becomes a zombie until Node reaps it; a detached shell's
    // child that exits while the shell sleeps stays a zombie for the whole sleep.
    const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
      expect(isProcessAlive(zombie)).toBe(true);
      const deadline = Date.now() + 5000;
      while (processState(zombie) !== 'Z' && Date.now() < deadline) await sleep(50);
      expect(processState(zombie)).toBe('Z');
      expect(isProcessAlive(zombie)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
