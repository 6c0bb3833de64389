#!/usr/bin/env python3
"""Export a MONAI VISTA3D bundle to two ONNX files plus a Vista3D Platform model card (v2).

Run where MONAI (>= 1.4) and PyTorch are installed, with the bundle downloaded, e.g.

    python -m monai.bundle download vista3d --bundle_dir bundles
    python tools/export/vista3d_to_onnx.py --bundle bundles/vista3d --out models/vista3d

Writes  <out>/vista3d_auto.onnx   inputs image [1,1,X,Y,Z] float32, class_vector [B,1] int64
                                  output logits [B,1,X,Y,Z] (one map per prompted class)
        <out>/vista3d_point.onnx  inputs image, point_coords [1,N,3] float32 (window voxels),
                                  point_labels [1,N] int64, class_vector [1,1] int64 → logits [1,1,X,Y,Z]
        <out>/vista3d.json        the card: the bundle's preprocessing, patch size, subclasses,
                                  special classes, the everything list.
Then run the backend with VISTA3D_ENGINE=onnx VISTA3D_MODEL_PATH=<out>/vista3d_auto.onnx
(the card is found next to it as vista3d_auto.json unless VISTA3D_MODEL_CARD points elsewhere; this
script writes both names).

Not run by the project's tests (no MONAI there); the tests use small fixture models with the same
inputs and outputs (../shared/onnx-reference).
"""
import argparse
import json
import os

import torch
from monai.bundle import ConfigParser

# The bundle's defaults (models/vista3d configs/inference.json, 0.5.x); read from the config when present.
SUBCLASS = {"2": [14, 5], "20": [28, 29, 30, 31, 32], "21": list(range(33, 57)) + list(range(63, 98)) + [114, 120, 122]}
SPECIAL = [25, 26, 27, 28, 29, 117]
EVERYTHING = sorted(set(range(1, 133)) - {2, 16, 18, 20, 21, 23, 24, 25, 26, 27, 128, 129, 130, 131, 132})


class Automatic(torch.nn.Module):
    """Class head only: what VISTA3D.forward does without clicks."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image, class_vector):
        _, out_auto = self.net.image_encoder(image, with_point=False, with_label=True)
        logits, _ = self.net.class_head(out_auto, class_vector)
        return logits


class Point(torch.nn.Module):
    """Point head only; the platform merges it with the class head (connected components) itself."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image, point_coords, point_labels, class_vector):
        out, _ = self.net.image_encoder(image, with_point=True, with_label=False)
        return self.net.point_head(out, point_coords, point_labels, class_vector=class_vector)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", required=True, help="bundle folder (with configs/ and models/)")
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--patch", type=int, nargs=3, help="patch size (default: the bundle's patch_size)")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--group", type=int, default=16, help="classes accumulated at once (memory vs. encoder runs)")
    args = ap.parse_args()

    parser = ConfigParser()
    parser.read_config(os.path.join(args.bundle, "configs", "inference.json"))
    parser["bundle_root"] = args.bundle
    net = parser.get_parsed_content("network")
    weights = os.path.join(args.bundle, "models", "model.pt")
    state = torch.load(weights, map_location="cpu")
    net.load_state_dict(state.get("state_dict", state) if isinstance(state, dict) else state)
    net.eval()

    patch = args.patch or list(parser.get("patch_size", [128, 128, 128]))
    pre = {t.get("_target_", ""): t for t in parser.get("preprocessing", {}).get("transforms", []) if isinstance(t, dict)}
    spacing = pre.get("Spacingd", {}).get("pixdim", [1.5, 1.5, 1.5])
    scale = pre.get("ScaleIntensityRanged", {})
    a_min, a_max = scale.get("a_min", -963.8247715525971), scale.get("a_max", 1053.678477684517)
    subclass = parser.get("subclass", SUBCLASS)
    special = parser.get("special_index", SPECIAL)

    os.makedirs(args.out, exist_ok=True)
    image = torch.zeros(1, 1, *patch)
    with torch.no_grad():
        torch.onnx.export(
            Automatic(net), (image, torch.tensor([[1], [3]])), os.path.join(args.out, "vista3d_auto.onnx"),
            input_names=["image", "class_vector"], output_names=["logits"], opset_version=args.opset,
            dynamic_axes={"class_vector": {0: "b"}, "logits": {0: "b"}},
        )
        torch.onnx.export(
            Point(net), (image, torch.tensor([[[10.0, 10.0, 10.0]]]), torch.tensor([[1]]), torch.tensor([[1]])),
            os.path.join(args.out, "vista3d_point.onnx"),
            input_names=["image", "point_coords", "point_labels", "class_vector"], output_names=["logits"],
            opset_version=args.opset, dynamic_axes={"point_coords": {1: "n"}, "point_labels": {1: "n"}},
        )

    card = {
        "cardVersion": 2,
        "name": "vista3d",
        "version": str(parser.get("version", "bundle")),
        "description": f"VISTA3D (MONAI bundle) exported to ONNX, patch {patch}",
        "preprocessing": [
            {"name": "spacing", "pixdim": list(spacing)},
            {"name": "cropForeground", "threshold": 0, "margin": 10},
            {"name": "scaleIntensityRange", "aMin": a_min, "aMax": a_max, "bMin": 0, "bMax": 1, "clip": True},
            {"name": "orientation", "axcodes": "RAS"},
        ],
        "model": {
            "kind": "vista3d",
            "automatic": {
                "file": "vista3d_auto.onnx", "inputs": {"image": "image", "classVector": "class_vector"}, "output": "logits",
                # SlidingWindowInfererAdapt gets MONAI's defaults: the config's overlap is not passed.
                "slidingWindow": {"patchSize": patch, "overlap": 0.25, "blend": "constant", "classGroupSize": args.group},
            },
            "point": {
                "file": "vista3d_point.onnx",
                "inputs": {"image": "image", "pointCoords": "point_coords", "pointLabels": "point_labels", "classVector": "class_vector"},
                "output": "logits", "patchSize": patch,
            },
            # The bundle accepts class prompts 1…132 except 16, 18, 129, 130, 131.
            "classes": sorted(set(range(1, 133)) - {16, 18, 129, 130, 131}),
            "everything": EVERYTHING,
            "subclasses": {str(k): list(v) for k, v in subclass.items()},
            "specialClasses": list(special),
            "lastSupportedClass": 132,
            "notProcessedLabel": 255,
        },
    }
    for name in ("vista3d.json", "vista3d_auto.json"):
        with open(os.path.join(args.out, name), "w") as f:
            json.dump(card, f, indent=1)
    print(f"wrote {args.out}/vista3d_auto.onnx, vista3d_point.onnx and the card vista3d_auto.json")


if __name__ == "__main__":
    main()
