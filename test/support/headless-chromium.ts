import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * Debian's `chromium` (DESIGN.md §5), found like the other real components: $CHROMIUM_PATH, else
 * `chromium` on PATH. Under CI a missing browser is a failure, never a skip (.ci/run installs it
 * with `apt-get install -y chromium`); elsewhere the caller skips and says why.
 */
export function findChromium(): string | undefined {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return explicit;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

export function requireChromium(): string {
  const found = findChromium();
  if (!found) throw new Error('chromium is not installed: install it with "apt-get install -y chromium" (as .ci/run does), or set CHROMIUM_PATH.');
  return found;
}

export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

/**
 * Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: fd 3
 * in, fd 4 out, messages separated by NUL), so no debugging port is opened and no npm browser
 * library is needed. One page per `newPage`; every protocol event is kept in `events`.
 */
export class HeadlessChromium {
  readonly events: CdpEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
  private readonly waiters: { match: (e: CdpEvent) => boolean; resolve: (e: CdpEvent) => void }[] = [];
  private buffer = '';
  private stderr = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly profile: string,
  ) {
    const out = child.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => this.receive(chunk));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    child.on('exit', (code) => {
      for (const { reject } of this.pending.values()) reject(new Error(`chromium exited (${code}): ${this.stderr}`));
      this.pending.clear();
    });
  }

  static start(executable: string): HeadlessChromium {
    const profile = mkdtempSync(join(tmpdir(), 'clusterext-chromium-'));
    const args = [
      '--headless',
      '--remote-debugging-pipe',
      // Tests run as root in containers, where Chromium's sandbox cannot start.
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      // The browser's own traffic (updates, safe browsing, sync) is not the page's and is turned off.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
      `--user-data-dir=${profile}`,
      'about:blank',
    ];
    const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    return new HeadlessChromium(child, profile);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      (this.child.stdio[3] as Writable).write(`${message}\0`);
    });
  }

  waitFor(match: (e: CdpEvent) => boolean, timeoutMs = 30_000): Promise<CdpEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no DevTools event matched within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  /** A new page with Network, Page, Runtime and Log events on, at a fixed viewport. */
  async newPage(width = 1280, height = 900): Promise<{ sessionId: string; send: (method: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>> }> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as { targetId: string };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string };
    const send = (method: string, params: Record<string, unknown> = {}) => this.send(method, params, sessionId);
    await Promise.all([send('Network.enable'), send('Page.enable'), send('Runtime.enable'), send('Log.enable')]);
    await send('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    return { sessionId, send };
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      await this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.profile, { recursive: true, force: true });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\0')) >= 0) {
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 1);
      const message = JSON.parse(raw) as { id?: number; result?: Record<string, unknown>; error?: { message: string }; method?: string; params?: Record<string, unknown>; sessionId?: string };
      if (message.id !== undefined) {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(`DevTools: ${message.error.message}`));
        else waiter?.resolve(message.result ?? {});
      } else if (message.method) {
        const event: CdpEvent = { method: message.method, params: message.params ?? {}, ...(message.sessionId ? { sessionId: message.sessionId } : {}) };
        this.events.push(event);
        for (let i = this.waiters.length - 1; i >= 0; i--) {
          if (this.waiters[i]!.match(event)) this.waiters.splice(i, 1)[0]!.resolve(event);
        }
      }
    }
  }
}
