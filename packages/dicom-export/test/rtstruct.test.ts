import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import dcmjs from 'dcmjs';
import { invertAffine } from '@vista3d/volume';
import { ContourScratch, sliceContours, writeRtStruct } from '../src/index.js';
import type { LabelMap } from '../src/index.js';
import { DICOM, convert, dciodvfy, haveSharedData, syntheticLabels, tempDir } from './helpers.js';
import type { Converted } from './helpers.js';

const ALG = { type: 'AUTOMATIC', engine: 'Vista3D CPU engine', version: '1.1.0' } as const;

/** Even–odd fill of pixel centres inside the polygons (x, y pairs in pixel coordinates). */
function fill(polys: Float64Array[], nx: number, ny: number, out: Uint8Array, base: number, value: number): void {
  const inside = new Uint8Array(nx * ny);
  for (const p of polys) {
    const n = p.length / 2;
    for (let j = 0; j < ny; j++) {
      const xs: number[] = [];
      for (let a = 0; a < n; a++) {
        const b = (a + 1) % n;
        const [ya, yb] = [p[2 * a + 1]!, p[2 * b + 1]!];
        if (ya > j !== yb > j) xs.push(p[2 * a]! + ((j - ya) / (yb - ya)) * (p[2 * b]! - p[2 * a]!));
      }
      for (const x of xs) for (let i = Math.max(0, Math.ceil(x)); i < nx; i++) inside[i + nx * j] ^= 1;
    }
  }
  for (let v = 0; v < nx * ny; v++) if (inside[v]) out[base + v] = value;
}

/** Parses the RTSTRUCT with dcmjs and rasterises every contour back onto the label grid. */
function rasterise(bytes: Uint8Array, like: LabelMap): { labels: Uint8Array; names: Map<number, string> } {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  const ds = DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict) as {
    StructureSetROISequence: Array<{ ROINumber: number; ROIDescription: string; ROIName: string }>;
    ROIContourSequence: Array<{ ReferencedROINumber: number; ContourSequence: Array<{ ContourData: number[] }> | { ContourData: number[] } }>;
  };
  const arr = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
  const labelOf = new Map(arr(ds.StructureSetROISequence).map((r) => [Number(r.ROINumber), Number(r.ROIDescription.split(' ')[1])]));
  const names = new Map(arr(ds.StructureSetROISequence).map((r) => [Number(r.ROIDescription.split(' ')[1]), r.ROIName]));
  const inv = invertAffine(like.affine);
  const [nx, ny, nz] = like.dims;
  const out = new Uint8Array(nx * ny * nz);
  for (const roi of arr(ds.ROIContourSequence)) {
    const label = labelOf.get(Number(roi.ReferencedROINumber))!;
    const bySlice = new Map<number, Float64Array[]>();
    for (const c of arr(roi.ContourSequence)) {
      const d = c.ContourData.map(Number);
      const poly = new Float64Array((d.length / 3) * 2);
      let k = 0;
      for (let v = 0; v < d.length / 3; v++) {
        const p = [-d[3 * v]!, -d[3 * v + 1]!, d[3 * v + 2]!]; // LPS → RAS
        const ijk = [0, 1, 2].map((a) => inv[a]![0] * p[0]! + inv[a]![1] * p[1]! + inv[a]![2] * p[2]! + inv[a]![3]);
        poly[2 * v] = ijk[0]!;
        poly[2 * v + 1] = ijk[1]!;
        k = Math.round(ijk[2]!);
      }
      bySlice.set(k, [...(bySlice.get(k) ?? []), poly]);
    }
    for (const [k, polys] of bySlice) fill(polys, nx, ny, out, k * nx * ny, label);
  }
  return { labels: out, names };
}

function dice(a: Uint8Array, b: ArrayLike<number>, label: number): { dice: number; voxels: number } {
  let inter = 0;
  let na = 0;
  let nb = 0;
  for (let v = 0; v < a.length; v++) {
    const x = a[v] === label;
    const y = b[v] === label;
    if (x) na++;
    if (y) nb++;
    if (x && y) inter++;
  }
  return { dice: (2 * inter) / (na + nb), voxels: nb };
}

describe('contours (marching squares)', () => {
  test('a ring with a hole and two diagonal pixels: the even-odd fill gives the mask back exactly', () => {
    const nx = 12;
    const ny = 10;
    const m = new Uint8Array(nx * ny);
    for (let j = 1; j < 8; j++) for (let i = 1; i < 8; i++) if (!(i >= 3 && i <= 5 && j >= 3 && j <= 5)) m[i + nx * j] = 7;
    m[9 + nx * 8] = 7;
    m[10 + nx * 9] = 7; // touches the other only at a corner: a separate contour
    m[4 + nx * 4] = 7; // an island in the hole
    const polys = sliceContours({ data: m, nx, ny, base: 0, label: 7, box: { i0: 1, i1: 10, j0: 1, j1: 9 } }, new ContourScratch(nx, ny));
    assert.equal(polys.length, 5); // outer, hole, island, two diagonal pixels
    const back = new Uint8Array(nx * ny);
    fill(polys, nx, ny, back, 0, 7);
    assert.deepEqual([...back], [...m]);
  });
});

describe('RTSTRUCT writer', { skip: !haveSharedData() && 'shared data missing' }, () => {
  let work: string;
  let philips: Converted;
  before(async () => {
    work = await tempDir();
    philips = await convert(join(DICOM, 'philips_head_phantom_5mm'), join(work, 'philips'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  test('shared 28-slice series: dciodvfy clean; contours rasterised back give Dice ≥ 0.95 per label ≥ 1000 voxels', async () => {
    const labels = syntheticLabels(philips.ct);
    const res = writeRtStruct({ labels, source: philips.source, algorithm: ALG, provenance: { version: 'v1' } });
    assert.equal(res.frameReference, 'same');
    const file = join(work, 'philips.rtstruct.dcm');
    await writeFile(file, res.bytes);
    const v = await dciodvfy(file);
    assert.deepEqual(v.errors, [], v.output);
    const back = rasterise(res.bytes, labels);
    assert.equal(back.names.get(14), 'left kidney');
    for (const roi of res.rois) {
      const d = dice(back.labels, labels.data, roi.labelId);
      if (d.voxels >= 1000) assert.ok(d.dice >= 0.95, `${roi.name}: Dice ${d.dice}`);
      assert.ok(d.dice > 0.999, `${roi.name}: contours reproduce the pixels (Dice ${d.dice})`);
    }
    const text = Buffer.from(res.bytes).toString('latin1');
    assert.ok(text.includes(philips.source.slices[5]!.sopInstanceUid));
  });
});
