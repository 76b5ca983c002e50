#!/usr/bin/env bash
# Installs the Debian packages the project builds with, only those that are missing,
# so a second run costs a few dpkg queries and no network.
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  libboost-serialization-dev libasio-dev libsqlite3-dev
  catch2 librapidcheck-dev
  libbenchmark-dev zlib1g-dev nlohmann-json3-dev
  libssl-dev libcli11-dev
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
