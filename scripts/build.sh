#!/usr/bin/env bash
# Configures and builds skiff with Ninja: warnings are errors, RelWithDebInfo.
#
#   bash scripts/build.sh [extra cmake -D options...]
#
# SKIFF_BUILD_DIR  build directory (default: build, relative to the repository)
# SKIFF_JOBS       parallel compile jobs (default: number of CPUs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

BUILD_DIR=${SKIFF_BUILD_DIR:-build}
JOBS=${SKIFF_JOBS:-$(nproc)}

cmake -G Ninja -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKIFF_WERROR=ON "$@"
cmake --build "$BUILD_DIR" -j "$JOBS"
