#!/usr/bin/env bash
# Run every check the project has: lint and format (pre-commit), import layering, and all test suites
# (core, conformance self-tests, each plugin's tests). Assumes scripts/bootstrap.sh --dev has run.
#
# The tests run in parallel with pytest-xdist, one test file per worker at a time (--dist loadfile):
# OPENZOO_TEST_WORKERS sets the number of workers (default "auto", one per core; more oversubscribes
# the CPU-heavy session fixtures towards the 600 s per-test timeout), 0 runs them all in this process.
# The 15 slowest tests are listed at the end (the CI budget is 20 minutes for everything).
# Arguments go to pytest: `bash scripts/test.sh -x`, or paths to run only those
# (`bash scripts/test.sh tests/core/test_cli.py -k help`) instead of every suite.
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
for arg in "$@"; do
  if [[ $arg != -* && -e ${arg%%::*} ]]; then
    suites=()  # paths given: run those only
    break
  fi
done
workers=${OPENZOO_TEST_WORKERS:-auto}
if [ "$workers" = 0 ]; then
  parallel=(-p no:xdist)
else
  parallel=(--numprocesses "$workers" --dist loadfile)
fi
exec python -m pytest -p no:cacheprovider --durations=15 "${parallel[@]}" ${suites[@]+"${suites[@]}"} "$@"
