import { readFileSync } from 'node:fs';

/** Read from package.json so `clusterext --version` and the package never disagree. */
function readVersion(): string {
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'clusterext' && pkg.version) return pkg.version;
    } catch {
      // try the next location: the path differs between the source tree and dist/
    }
  }
  return '0.0.0-unknown';
}

export const CLUSTEREXT_VERSION = readVersion();
