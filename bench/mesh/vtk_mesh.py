#!/usr/bin/python3
"""VTK reference for bench/mesh: per label, crop to the label's box, vtkDiscreteFlyingEdges3D,
optionally vtkWindowedSincPolyDataFilter and vtkQuadricDecimation to <= N triangles.
Usage: /usr/bin/python3 bench/mesh/vtk_mesh.py LABELS.nii [--smooth N] [--target N]
Prints one JSON line: seconds, peak RSS (MiB), triangles, labels. Uses the Debian python3-vtk9."""
import json
import resource
import sys
import time

import numpy as np
import vtk
from vtk.util import numpy_support

args = sys.argv[1:]
path = args[0]
smooth = int(args[args.index('--smooth') + 1]) if '--smooth' in args else 0
target = int(args[args.index('--target') + 1]) if '--target' in args else 0

t0 = time.perf_counter()
reader = vtk.vtkNIFTIImageReader()
reader.SetFileName(path)
reader.Update()
image = reader.GetOutput()
nx, ny, nz = image.GetDimensions()
data = numpy_support.vtk_to_numpy(image.GetPointData().GetScalars()).reshape(nz, ny, nx)
labels = [int(v) for v in np.unique(data) if v != 0]
triangles = 0
for label in labels:
    zs, ys, xs = np.nonzero(data == label)
    voi = vtk.vtkExtractVOI()
    voi.SetInputData(image)
    voi.SetVOI(max(int(xs.min()) - 1, 0), min(int(xs.max()) + 1, nx - 1), max(int(ys.min()) - 1, 0),
               min(int(ys.max()) + 1, ny - 1), max(int(zs.min()) - 1, 0), min(int(zs.max()) + 1, nz - 1))
    fe = vtk.vtkDiscreteFlyingEdges3D()
    fe.SetInputConnection(voi.GetOutputPort())
    fe.SetValue(0, label)
    fe.ComputeNormalsOff()
    fe.ComputeGradientsOff()
    fe.ComputeScalarsOff()
    last = fe
    if smooth > 0:
        ws = vtk.vtkWindowedSincPolyDataFilter()
        ws.SetInputConnection(last.GetOutputPort())
        ws.SetNumberOfIterations(smooth)
        ws.SetPassBand(0.1)
        ws.BoundarySmoothingOff()
        ws.FeatureEdgeSmoothingOff()
        ws.NonManifoldSmoothingOn()
        ws.NormalizeCoordinatesOn()
        last = ws
    last.Update()
    out = last.GetOutput()
    n = out.GetNumberOfPolys()
    if target > 0 and n > target:
        dec = vtk.vtkQuadricDecimation()
        dec.SetInputData(out)
        dec.SetTargetReduction(1.0 - target / n)
        dec.Update()
        out = dec.GetOutput()
    triangles += out.GetNumberOfPolys()
seconds = time.perf_counter() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({'seconds': round(seconds, 2), 'peakRssMiB': round(rss), 'triangles': triangles, 'labels': len(labels)}))
