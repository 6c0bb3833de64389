#!/usr/bin/env python3
"""Export a trained nnU-Net v2 model (e.g. a TotalSegmentator task) to ONNX plus a model card (v2).

Run where nnunetv2 and PyTorch are installed:

    python tools/export/nnunet_to_onnx.py \
        --model ~/.totalsegmentator/nnunet/results/Dataset291_TotalSegmentator_part1_organs_1559subj/nnUNetTrainerNoMirroring__nnUNetPlans__3d_fullres \
        --fold 0 --map ../shared/data/totalseg_total_to_vista3d.json --out models/ts_organs

--map is a JSON object from the dataset's label names (dataset.json "labels") to VISTA3D ids
(names or numbers); labels without an id are left out of the card (their voxels become background).

nnU-Net conventions written into the card, where they differ from MONAI:
- TotalSegmentator reorients the CT to RAS (nibabel as_closest_canonical) before nnU-Net; plain nnU-Net
  does not (--no-reorient). The network sees [z, y, x] of the voxel axes (SimpleITK order): card
  axisOrder "zyx", patch size and spacing reversed from the plans;
- resampling: spacing convention "nnunet" (shape round(n·s_in/s_out) over the same extent); nnU-Net
  itself uses third-order splines (and nearest along z for anisotropic data): this engine interpolates
  linearly, so expect small differences at organ borders;
- CT normalisation: clip to the foreground 0.5/99.5 percentiles, then (x − mean) / std;
- sliding window: step size 0.5 with evenly spread steps ("nnunet" placement) and nnU-Net's Gaussian;
- no test-time mirroring (export a NoMirroring trainer, or accept a small difference).
Not run by the project's tests.
"""
import argparse
import json
import os

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="trained model folder (with plans.json, dataset.json, fold_N/)")
    ap.add_argument("--fold", default="0")
    ap.add_argument("--checkpoint", default="checkpoint_final.pth")
    ap.add_argument("--map", required=True, help="JSON: dataset label name -> VISTA3D id")
    ap.add_argument("--out", required=True)
    ap.add_argument("--configuration", default="3d_fullres")
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--no-reorient", action="store_true", help="plain nnU-Net: keep the file's voxel order (TotalSegmentator reorients to RAS first)")
    args = ap.parse_args()

    from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor

    predictor = nnUNetPredictor(tile_step_size=0.5, use_gaussian=True, use_mirroring=False, device=torch.device("cpu"))
    predictor.initialize_from_trained_model_folder(args.model, use_folds=(args.fold,), checkpoint_name=args.checkpoint)
    net = predictor.network
    net.load_state_dict(predictor.list_of_parameters[0])
    net.eval()

    plans = json.load(open(os.path.join(args.model, "plans.json")))
    dataset = json.load(open(os.path.join(args.model, "dataset.json")))
    conf = plans["configurations"][args.configuration]
    patch_zyx = conf["patch_size"]
    spacing_zyx = conf["spacing"]
    props = plans["foreground_intensity_properties_per_channel"]["0"]
    labels = dataset["labels"]  # name -> channel
    if plans.get("transpose_forward", [0, 1, 2]) != [0, 1, 2]:
        raise SystemExit("plans.json has a non-identity transpose_forward; not supported by this exporter")
    mapping = json.load(open(args.map))

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    with torch.no_grad():
        torch.onnx.export(
            net, torch.zeros(1, 1, *patch_zyx), onnx_path, input_names=["image"], output_names=["logits"],
            opset_version=args.opset, dynamic_axes={"image": {2: "z", 3: "y", 4: "x"}, "logits": {2: "z", 3: "y", 4: "x"}},
        )

    channels = []
    for name, channel in labels.items():
        if int(channel) == 0 or name not in mapping:
            continue
        channels.append({"channel": int(channel), "classId": int(mapping[name])})
    card = {
        "cardVersion": 2,
        "name": os.path.basename(os.path.normpath(args.model)),
        "version": f"fold {args.fold}",
        "preprocessing": ([] if args.no_reorient else [{"name": "orientation", "axcodes": "RAS"}]) + [
            {"name": "spacing", "pixdim": list(reversed(spacing_zyx)), "convention": "nnunet"},
            {"name": "clipIntensity", "min": props["percentile_00_5"], "max": props["percentile_99_5"]},
            {"name": "normalizeIntensity", "mean": props["mean"], "std": max(props["std"], 1e-8)},
        ],
        "model": {
            "kind": "softmax",
            "file": "model.onnx",
            "inputs": {"image": "image"},
            "output": "logits",
            "outputChannels": len(labels),
            "axisOrder": "zyx",
            "channels": channels,
            "slidingWindow": {"patchSize": list(reversed(patch_zyx)), "overlap": 0.5, "blend": "nnunet-gaussian", "placement": "nnunet", "classGroupSize": 16},
        },
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(card, f, indent=1)
    print(f"wrote {onnx_path} and model.json ({len(channels)} classes mapped to VISTA3D ids)")


if __name__ == "__main__":
    main()
