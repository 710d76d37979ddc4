#!/usr/bin/env bash
# Demo: run the inspectd daemon in the foreground on ./demo-run/watch with the bundled tiny
# model, drop the sample images into it, and show how to query the verdict log.
#
# THE DEMO MODEL HAS RANDOM WEIGHTS (it exists to pin down arithmetic in tests): its verdicts
# mean nothing. See README "Models" for installing a real checkpoint.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/run-deps
swift build -c release --product inspectd
swift build -c release --product inspectctl
bin=$(swift build -c release --show-bin-path)
root=$PWD/demo-run
fixtures=$PWD/Tests/EngineTests/Fixtures
mkdir -p "$root/watch" "$root/db"
cat > "$root/inspectd.toml" <<TOML
# Demo configuration written by scripts/demo.sh (tiny random-weight model).
database = "$root/db/inspectd.db"

[model]
path = "$fixtures/model-openclip.safetensors"
prompts = "$fixtures/prompts.safetensors"
input_size = 64
feature_layers = [1, 2, 3, 4]
dpam_first_block = 2

[thresholds]
review = 0.4
fail = 0.6

[[station]]
name = "demo"
folder = "$root/watch"
recursive = true
after = "keep"
TOML
cat <<MSG
==============================================================================
 DEMO MODEL: random-weight tiny CLIP (64 px, 4 blocks). Verdicts are MEANINGLESS.
 For real inspection place AnomalyCLIP's backbone and prompts (README "Models"):
   /var/lib/inspectd/models/vit-l-14-336/open_clip_model.safetensors
   /var/lib/inspectd/models/vit-l-14-336/open_clip_config.json
   /var/lib/inspectd/models/anomalyclip/prompts.safetensors
 and set [model] path / prompts / input_size = 518 in /etc/inspectd/inspectd.toml.
------------------------------------------------------------------------------
 Watching:   $root/watch        (drop JPEG/PNG files here)
 Database:   $root/db/inspectd.db
 Query:      $bin/inspectctl verdicts --db $root/db/inspectd.db
             $bin/inspectctl status --db $root/db/inspectd.db
             $bin/inspectctl show ID --db $root/db/inspectd.db --overlay /tmp/overlay.png
 Label:      $bin/inspectctl label ID good|defect [--mask M.png] --db $root/db/inspectd.db
             (20 new labels of a station retrain its prompts; see [retrain] in config/inspectd.toml)
 Versions:   $bin/inspectctl model list --db $root/db/inspectd.db
             $bin/inspectctl retrain --status --db $root/db/inspectd.db
 Stop:       Ctrl-C (finishes the current image, then exits)
==============================================================================
MSG
# Drop the sample images once the daemon is up (a second later; the start-up scan would
# also find them).
(sleep 3 && for f in img0_gradient_blob img1_checker_stripes img2_noise_scratch; do
    cp "Tests/InspectionTests/Fixtures/$f.png" "$root/watch/.$f.png.tmp" && mv "$root/watch/.$f.png.tmp" "$root/watch/$f.png"
done && sleep 2 && "$bin/inspectctl" verdicts --db "$root/db/inspectd.db" --since 10m) &
exec "$bin/inspectd" --config "$root/inspectd.toml"
