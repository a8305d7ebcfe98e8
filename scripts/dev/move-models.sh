#!/usr/bin/env bash
# See move-models.mjs: git mv of the model files into their kind folders, and the import rewrites.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
node scripts/dev/move-models.mjs
