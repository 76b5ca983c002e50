#!/usr/bin/env bash
# Installs what is missing, builds, and runs the cart demo: two replicas diverge offline and converge.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target cart-demo
./build/release/bin/cart-demo
