import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeNifti } from '@vista3d/volume';
import type { Mat4, Volume } from '@vista3d/volume';
import { CT_IMAGE_STORAGE, encodeDicomFile, uidFrom } from './dicom-writer.js';
import type { Element } from './dicom-writer.js';
import { torsoPhantom } from './torso.js';
import type { TorsoOptions, TorsoPhantom } from './torso.js';

export interface PhantomStudyOptions extends TorsoOptions {
  /** Folder that receives the DICOM series (one file per slice, IM0001.dcm …). */
  dicomDir?: string;
  /** NIfTI path (`.nii.gz`): the same volume as dcm2niix would stack it (LAS, int16). */
  niftiPath?: string;
  patientId?: string;
}

export interface PhantomStudy {
  phantom: TorsoPhantom;
  seriesInstanceUid: string;
  files: string[];
  niftiPath: string | null;
}

const ds = (v: number): string => String(Number(v.toFixed(6)));

/** NIfTI affine of the phantom as dcm2niix writes a DICOM stack: rows flipped (LAS), RAS mm. */
export function phantomAffine(p: TorsoPhantom): Mat4 {
  const [x0, y0, z0] = p.origin;
  const ps = p.pixelSpacing;
  return [
    [-ps, 0, 0, -x0],
    [0, ps, 0, -(y0 + (p.size - 1) * ps)],
    [0, 0, p.sliceSpacing, z0],
    [0, 0, 0, 1],
  ];
}

/** The phantom as a NIfTI volume in dcm2niix's voxel order (rows flipped). */
export function phantomVolume(p: TorsoPhantom): Volume<Int16Array> {
  const n = p.size;
  const data = new Int16Array(p.hu.length);
  for (let k = 0; k < p.slices; k++) {
    for (let j = 0; j < n; j++) {
      const src = (k * n + (n - 1 - j)) * n;
      data.set(p.hu.subarray(src, src + n), (k * n + j) * n);
    }
  }
  return {
    dims: [n, n, p.slices],
    frames: 1,
    spacing: [p.pixelSpacing, p.pixelSpacing, p.sliceSpacing],
    affine: phantomAffine(p),
    datatype: 'int16',
    data,
    scl: { slope: 1, inter: 0 },
    meta: { description: 'Vista3D torso phantom', qformCode: 1, sformCode: 1, affineSource: 'sform', xyztUnits: 10, intentCode: 0, calMin: 0, calMax: 0 },
  };
}

/**
 * Generates the torso phantom and writes it as a CT DICOM series (Explicit VR Little Endian,
 * signed 16-bit HU, one file per axial slice, written to a temp folder and renamed into place)
 * and/or as its NIfTI.
 */
export async function writePhantomStudy(opts: PhantomStudyOptions = {}): Promise<PhantomStudy> {
  const p = torsoPhantom(opts);
  const seed = `vista3d-phantom:${opts.seed ?? 1}:${p.size}:${p.slices}`;
  const study = uidFrom(`${seed}:study`);
  const series = uidFrom(`${seed}:series`);
  const frame = uidFrom(`${seed}:frame`);
  const files: string[] = [];
  if (opts.dicomDir) {
    const tmp = `${opts.dicomDir}.partial-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const sliceBytes = p.size * p.size * 2;
    for (let k = 0; k < p.slices; k++) {
      const sop = uidFrom(`${seed}:slice:${k}`);
      const pixels = new Uint8Array(p.hu.buffer, p.hu.byteOffset + k * sliceBytes, sliceBytes);
      const z = p.origin[2] + k * p.sliceSpacing;
      const el: Element[] = [
        { tag: '00080008', vr: 'CS', value: ['ORIGINAL', 'PRIMARY', 'AXIAL'].join('\\') },
        { tag: '00080016', vr: 'UI', value: CT_IMAGE_STORAGE },
        { tag: '00080018', vr: 'UI', value: sop },
        { tag: '00080020', vr: 'DA', value: '20260101' },
        { tag: '00080030', vr: 'TM', value: '120000' },
        { tag: '00080060', vr: 'CS', value: 'CT' },
        { tag: '00080070', vr: 'LO', value: 'Vista3D synthetic phantom' },
        { tag: '00081030', vr: 'LO', value: 'Synthetic torso phantom' },
        { tag: '0008103E', vr: 'LO', value: 'TORSO PHANTOM' },
        { tag: '00100010', vr: 'PN', value: 'PHANTOM^TORSO' },
        { tag: '00100020', vr: 'LO', value: opts.patientId ?? 'VISTA3D-PHANTOM' },
        { tag: '00180050', vr: 'DS', value: ds(p.sliceSpacing) },
        { tag: '00180060', vr: 'DS', value: '120' },
        { tag: '0020000D', vr: 'UI', value: study },
        { tag: '0020000E', vr: 'UI', value: series },
        { tag: '00200010', vr: 'SH', value: '1' },
        { tag: '00200011', vr: 'IS', value: '1' },
        { tag: '00200013', vr: 'IS', value: String(k + 1) },
        { tag: '00200032', vr: 'DS', value: [p.origin[0], p.origin[1], z].map(ds).join('\\') },
        { tag: '00200037', vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
        { tag: '00200052', vr: 'UI', value: frame },
        { tag: '00201041', vr: 'DS', value: ds(z) },
        { tag: '00280002', vr: 'US', value: 1 },
        { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
        { tag: '00280010', vr: 'US', value: p.size },
        { tag: '00280011', vr: 'US', value: p.size },
        { tag: '00280030', vr: 'DS', value: `${ds(p.pixelSpacing)}\\${ds(p.pixelSpacing)}` },
        { tag: '00280100', vr: 'US', value: 16 },
        { tag: '00280101', vr: 'US', value: 16 },
        { tag: '00280102', vr: 'US', value: 15 },
        { tag: '00280103', vr: 'US', value: 1 },
        { tag: '00281050', vr: 'DS', value: '40' },
        { tag: '00281051', vr: 'DS', value: '400' },
        { tag: '00281052', vr: 'DS', value: '0' },
        { tag: '00281053', vr: 'DS', value: '1' },
        { tag: '7FE00010', vr: 'OW', value: pixels },
      ];
      const name = `IM${String(k + 1).padStart(4, '0')}.dcm`;
      await writeFile(join(tmp, name), encodeDicomFile(CT_IMAGE_STORAGE, sop, el));
      files.push(join(opts.dicomDir, name));
    }
    await rm(opts.dicomDir, { recursive: true, force: true });
    await mkdir(dirname(opts.dicomDir), { recursive: true });
    await rename(tmp, opts.dicomDir);
  }
  if (opts.niftiPath) {
    await mkdir(dirname(opts.niftiPath), { recursive: true });
    await writeNifti(opts.niftiPath, phantomVolume(p), { gzip: true, level: 6 });
  }
  return { phantom: p, seriesInstanceUid: series, files, niftiPath: opts.niftiPath ?? null };
}
