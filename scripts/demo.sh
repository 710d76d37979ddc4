#!/usr/bin/env bash
# Demo: score the bundled sample images with the bundled tiny model and write overlays.
# The tiny model has RANDOM weights (it exists to pin down arithmetic in tests): its verdicts
# mean nothing. See README "Models" for installing a real checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/run-deps
swift build -c release --product inspectctl
model=Tests/EngineTests/Fixtures
out=demo-output
mkdir -p "$out"
cat <<'MSG'
==============================================================================
 DEMO MODEL: random-weight tiny CLIP (64 px, 4 blocks). Scores are meaningless.
 For real inspection install ViT-L/14@336 weights (README "Models") and pass
 --model /path/to/open_clip_model.safetensors --prompts /path/to/prompts.safetensors
==============================================================================
MSG
set +e
.build/release/inspectctl inspect \
    --model "$model/model-openclip.safetensors" --prompts "$model/prompts.safetensors" \
    --input-size 64 --feature-layers 1,2,3,4 --dpam-first-block 2 \
    --overlay-dir "$out" Tests/InspectionTests/Fixtures/img0_gradient_blob.png \
    Tests/InspectionTests/Fixtures/img1_checker_stripes.png Tests/InspectionTests/Fixtures/img2_noise_scratch.png
status=$?
set -e
echo "overlays written to $out/"
exit $status
