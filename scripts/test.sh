#!/usr/bin/env bash
# Run every check the project has: lint and format (pre-commit), import layering, and all test suites
# (core, conformance self-tests, each plugin's tests). Assumes scripts/bootstrap.sh --dev has run.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${OPENZOO_VENV:-.venv}
export PATH="$PWD/$venv/bin:$PATH"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false

echo "==> pre-commit (ruff lint + format)" >&2
pre-commit run --all-files --show-diff-on-failure

echo "==> import layers" >&2
lint-imports

echo "==> tests" >&2
suites=(tests)
for dir in plugins/*/tests; do
  [ -d "$dir" ] && suites+=("$dir")
done
exec python -m pytest -p no:cacheprovider "${suites[@]}" "$@"
