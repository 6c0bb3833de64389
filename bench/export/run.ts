/**
 * Time and peak RSS to write a DICOM SEG and an RTSTRUCT for a 512×512×300 segmentation with 100
 * labels. Geometry and patient/study modules come from the shared 28-slice Philips series (converted
 * with the platform's converter), extended to 300 slices; labels are ellipsoids on a 10×10 grid.
 * Each writer runs in its own child process so its peak RSS is its own.
 * Run: npx tsx bench/export/run.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertDicomFolder, readSourceRecord } from '@vista3d/dicom';
import type { SourceSeriesRecord } from '@vista3d/dicom';
import { VISTA3D_LABELS } from '@vista3d/labels';
import { readNifti, writeFileAtomic } from '@vista3d/volume';
import type { Mat4, Vec3 } from '@vista3d/volume';
import { writeRtStruct, writeSeg } from '@vista3d/dicom-export';

const here = fileURLToPath(new URL('.', import.meta.url));
const NZ = 300;

async function fixture(dir: string): Promise<{ dims: Vec3; affine: Mat4; source: SourceSeriesRecord; data: Uint8Array }> {
  const rep = await convertDicomFolder(resolve(here, '../../../shared/data/dicom/philips_head_phantom_5mm'), join(dir, 'nifti'), { force: true });
  const r = rep.converted[0]!;
  const ct = await readNifti(r.niftiPath);
  const src = (await readSourceRecord(r.sidecarPath))!;
  const [nx, ny] = ct.dims;
  const a = ct.affine;
  // extend the stack to NZ slices along its own k axis (same spacing), one synthetic SOP per slice
  const lps = (k: number): [number, number, number] => {
    const i = 0;
    const j = ny - 1; // dcm2niix flips rows: DICOM pixel (0,0) is voxel j = ny−1
    return [-(a[0][0] * i + a[0][1] * j + a[0][2] * k + a[0][3]), -(a[1][0] * i + a[1][1] * j + a[1][2] * k + a[1][3]), a[2][0] * i + a[2][1] * j + a[2][2] * k + a[2][3]];
  };
  const source: SourceSeriesRecord = {
    ...src,
    slices: Array.from({ length: NZ }, (_, k) => ({ sopInstanceUid: `${src.seriesInstanceUid}.9${k + 1}`, instanceNumber: k + 1, position: lps(k) })),
  };
  const data = new Uint8Array(nx * ny * NZ);
  const ids = VISTA3D_LABELS.slice(0, 100).map((l) => l.id);
  ids.forEach((id, n) => {
    const cx = 25 + (n % 10) * 51;
    const cy = 25 + Math.floor(n / 10) * 51;
    const cz = 60 + ((n * 37) % 180);
    const [rx, ry, rz] = [22, 18, 50];
    for (let k = Math.max(0, cz - rz); k <= Math.min(NZ - 1, cz + rz); k++)
      for (let j = cy - ry; j <= cy + ry; j++)
        for (let i = cx - rx; i <= cx + rx; i++) {
          const d = ((i - cx) / rx) ** 2 + ((j - cy) / ry) ** 2 + ((k - cz) / rz) ** 2;
          if (d <= 1 && i >= 0 && j >= 0 && i < nx && j < ny) data[i + nx * (j + ny * k)] = id;
        }
  });
  return { dims: [nx, ny, NZ], affine: ct.affine, source, data };
}

async function child(kind: 'seg' | 'rtstruct', out: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-export-fx-'));
  const fx = await fixture(dir);
  await rm(dir, { recursive: true, force: true });
  const base = process.memoryUsage().rss;
  const alg = { type: 'AUTOMATIC', engine: 'bench', version: '1' } as const;
  const t0 = performance.now();
  let detail = '';
  if (kind === 'seg') {
    const { result, chunks } = writeSeg({ labels: fx, source: fx.source, algorithm: alg });
    const tHeader = (performance.now() - t0) / 1000;
    await writeFileAtomic(out, chunks);
    process.stderr.write(`plan + header (presence, boxes, geometry, dcmjs + own per-frame encoder) ${tHeader.toFixed(2)} s\n`);
    detail = `${result.segments.length} segments, ${result.frames} frames`;
  } else {
    const res = writeRtStruct({ labels: fx, source: fx.source, algorithm: alg });
    await writeFileAtomic(out, res.bytes);
    detail = `${res.rois.length} ROIs, ${res.rois.reduce((s, r) => s + r.contours, 0)} contours, ${res.rois.reduce((s, r) => s + r.points, 0)} points`;
  }
  const seconds = (performance.now() - t0) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${JSON.stringify({ kind, seconds, peakRssMb: peak / 2 ** 20, fixtureRssMb: base / 2 ** 20, bytes: (await stat(out)).size, detail })}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') return child(process.argv[3] as 'seg' | 'rtstruct', process.argv[4]!);
  const dir = await mkdtemp(join(tmpdir(), 'bench-export-'));
  try {
    console.log('| object | seconds | peak RSS (process) | RSS before writing (fixture) | size | content |');
    console.log('|---|---|---|---|---|---|');
    for (const kind of ['seg', 'rtstruct'] as const) {
      const line = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'child', kind, join(dir, `${kind}.dcm`)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const r = JSON.parse(line.trim().split('\n').pop()!) as { seconds: number; peakRssMb: number; fixtureRssMb: number; bytes: number; detail: string };
      console.log(`| ${kind.toUpperCase()} | ${r.seconds.toFixed(2)} | ${r.peakRssMb.toFixed(0)} MB | ${r.fixtureRssMb.toFixed(0)} MB | ${(r.bytes / 2 ** 20).toFixed(1)} MB | ${r.detail} |`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
