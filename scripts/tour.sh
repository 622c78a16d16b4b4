#!/usr/bin/env bash
# The quick tour (the README's first command runs it after bootstrap.sh): what is installed, then train,
# evaluate and use a ViT on scikit-learn's bundled handwritten digits, list the runs, and judge a plugin with
# the conformance suite (and verify its certificate). A few minutes on 2 CPU cores. Output goes to runs/tour/.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${OPENZOO_VENV:-.venv}
export PATH="$PWD/$venv/bin:$PATH"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
out=runs/tour
rm -rf "$out" && mkdir -p "$out"
step() { printf '\n\033[1m$ %s\033[0m\n' "$*" >&2; "$@"; }

step openzoo plugins
step openzoo list models
step openzoo train vit --dataset digits --preset small --out "$out/vit-digits" --quiet
step openzoo evaluate "$out/vit-digits" --split test
step openzoo runs "$out"
python - "$out/digit.png" <<'PY'
import sys
import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

digits = load_digits()
image = (digits.images[-1] * (255 / 16)).astype(np.uint8)  # an 8x8 digit from the bundled data
Image.fromarray(image, mode="L").resize((64, 64), Image.NEAREST).save(sys.argv[1])
print(f"wrote {sys.argv[1]}: a handwritten {digits.target[-1]}", file=sys.stderr)
PY
step openzoo predict "$out/vit-digits" "$out/digit.png"
step openzoo conformance openzoo-vit --certify --markdown "$out/conformance.md" --report "$out/certificate.json"
step openzoo conformance verify "$out/certificate.json" --plugin openzoo-vit
echo "tour done: run directory $out/vit-digits, conformance summary $out/conformance.md" >&2
