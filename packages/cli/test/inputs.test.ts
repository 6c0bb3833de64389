import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { flatNifti, gzipBomb } from '../../volume/test/bad-nifti.js';
import { buildCli, cli as runCli } from './helpers.js';

/** Killed after 1 min: each of these runs refuses its input at once. */
const cli = (args: string[]) => runCli(args, { killAfterMs: 60_000 });

describe('vista3d CLI: NIfTI inputs pass the shared upload rule; ids follow the store rule', () => {
  let work: string;
  let out: string;
  let bomb: string;
  let flat: string;
  before(async () => {
    buildCli();
    work = await mkdtemp(join(tmpdir(), 'vista3d-cli-inputs-'));
    out = join(work, 'out');
    await mkdir(join(out, 'p1', 'nifti'), { recursive: true });
    bomb = join(out, 'p1', 'nifti', 'bomb.nii.gz');
    flat = join(out, 'p1', 'nifti', 'flat.nii');
    await writeFile(bomb, await gzipBomb());
    await writeFile(flat, await flatNifti());
  });
  after(() => rm(work, { recursive: true, force: true }));

  test('segment refuses a gzip bomb and a 2D image: exit 1, the reason on stderr, no engine started', async () => {
    const b = await cli(['segment', '--engine', 'cpu', '--output', out, '--patient', 'p1', '--scan', 'bomb']);
    assert.equal(b.code, 1, b.stderr);
    assert.match(b.stderr, /CT p1\/bomb .* refused: .*decompression bomb \[INFLATED_SIZE_MISMATCH\]/);
    const f = await cli(['segment', '--engine', 'cpu', '--output', out, '--patient', 'p1', '--scan', 'flat', '--json']);
    assert.equal(f.code, 1, f.stderr);
    assert.match(f.stderr, /NOT_3D/);
    const json = JSON.parse(f.stdout) as Array<{ scan: string; error?: string }>;
    assert.match(json[0]?.error ?? '', /2D/);
  });

  test('mesh --labels and export --labels refuse bad label maps with exit 1 and a message', async () => {
    const m = await cli(['mesh', '--labels', flat, '--out', join(work, 'meshes')]);
    assert.equal(m.code, 1, m.stderr);
    assert.match(m.stderr, /^vista3d: label map .* refused: .*\[NOT_3D\]/m);
    const e = await cli(['export', '--format', 'stats', '--output', out, '--patient', 'p1', '--scan', 'flat', '--labels', bomb, '--out', join(work, 's.json')]);
    assert.equal(e.code, 1, e.stderr);
    assert.match(e.stderr, /--labels .* refused: .*INFLATED_SIZE_MISMATCH/);
  });

  test('ids the store refuses are usage errors (exit 2) on every command that takes one', async () => {
    const long = 'p'.repeat(129);
    const cases: string[][] = [
      ['segment', '--engine', 'cpu', '--output', out, '--patient', long],
      ['segment', '--engine', 'cpu', '--output', out, '--patient', 'p1', '--scan', '.hidden'],
      ['mesh', '--output', out, '--scan', 'a:b'],
      ['export', '--format', 'stats', '--output', out, '--patient', ' p1', '--scan', 'flat'],
      ['convert', '--dicom', work, '--output', out, '--patient', 'ok', '../up'],
      ['dicomweb', 'import', '--url', 'http://127.0.0.1:9/dicom-web', '--study', '1.2.3', '--dicom', work, '--patient', 'a|b'],
    ];
    for (const args of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^vista3d: --(patient|scan): invalid (patient|scan) id .*: /m, args.join(' '));
    }
  });
});
