#!/usr/bin/env bash
# Installs what is missing, then configures, builds and runs every test except those labelled
# `long` (run them with `cmake --workflow --preset release-all`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --workflow --preset release
