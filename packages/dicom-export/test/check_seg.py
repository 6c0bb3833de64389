"""Independent SEG check with pydicom + numpy: rebuild the label map from the SEG's own geometry.

Usage: check_seg.py SEG.dcm LABELS.raw META.json  (META: dims [nx,ny,nz], affine (RAS, row-major), dtype)
Prints JSON: frames, segments {number: tracking id}, voxel mismatches against LABELS.raw.
"""
import json
import sys

import numpy as np
import pydicom


def main() -> None:
    seg_path, raw_path, meta_path = sys.argv[1:4]
    meta = json.load(open(meta_path))
    nx, ny, nz = meta["dims"]
    expected = np.fromfile(raw_path, dtype=meta["dtype"]).reshape((nz, ny, nx))
    ds = pydicom.dcmread(seg_path)
    assert ds.SOPClassUID == "1.2.840.10008.5.1.4.1.1.66.4", ds.SOPClassUID
    assert ds.SegmentationType == "BINARY"
    label_of = {}
    for s in ds.SegmentSequence:
        label_of[int(s.SegmentNumber)] = int(str(s.TrackingID).split()[-1])
    frames = ds.pixel_array.reshape((int(ds.NumberOfFrames), int(ds.Rows), int(ds.Columns)))
    shared = ds.SharedFunctionalGroupsSequence[0]
    iop = np.array(shared.PlaneOrientationSequence[0].ImageOrientationPatient, dtype=float)
    ps = np.array(shared.PixelMeasuresSequence[0].PixelSpacing, dtype=float)
    row_dir, col_dir = iop[:3], iop[3:]
    ras = np.array(meta["affine"], dtype=float)
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ ras
    inv = np.linalg.inv(lps)
    rr, cc = np.meshgrid(np.arange(int(ds.Rows)), np.arange(int(ds.Columns)), indexing="ij")
    got = np.zeros_like(expected)
    for f, item in enumerate(ds.PerFrameFunctionalGroupsSequence):
        ipp = np.array(item.PlanePositionSequence[0].ImagePositionPatient, dtype=float)
        segno = int(item.SegmentIdentificationSequence[0].ReferencedSegmentNumber)
        def vox(r: float, c: float) -> np.ndarray:
            p = ipp + c * ps[1] * row_dir + r * ps[0] * col_dir
            return (inv @ np.append(p, 1.0))[:3]

        o, dc, dr = vox(0, 0), vox(0, 1) - vox(0, 0), vox(1, 0) - vox(0, 0)
        far = vox(int(ds.Rows) - 1, int(ds.Columns) - 1)
        for v in (o, dc, dr, far):
            assert np.abs(v - np.rint(v)).max() < 1e-3, "frame pixel off the label grid"
        o, dc, dr = np.rint(o).astype(int), np.rint(dc).astype(int), np.rint(dr).astype(int)
        ijk = o[:, None] + dc[:, None] * cc.reshape(1, -1) + dr[:, None] * rr.reshape(1, -1)
        on = frames[f].reshape(-1) != 0
        got[ijk[2][on], ijk[1][on], ijk[0][on]] = label_of[segno]
    mismatches = int((got != expected).sum())
    print(json.dumps({"frames": int(ds.NumberOfFrames), "segments": label_of, "mismatches": mismatches}))


main()
