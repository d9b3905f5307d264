#!/usr/bin/env bash
# Install everything netkg needs to build and serve on a fresh machine: uv, then the locked Python packages.
# Bytecode is compiled at install time: with PYTHONDONTWRITEBYTECODE set (as on our machines) every
# command would otherwise recompile its imports, about a second of each `netkg validate`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check 'uv==0.13.9'
fi
uv sync --frozen --quiet --compile-bytecode
uv run --frozen python -m compileall -q netkg >/dev/null
# No node here: the service's web assets (Swagger UI) come with a Python package; npm is only
# for the browser tests' axe-core (scripts/install-browser.sh, run by `make test`).
