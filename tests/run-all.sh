#!/usr/bin/env bash
# The README's test command: installs what the tests need, then runs every test.
#
# `cargo test` alone runs everything but the PyTorch and scikit-learn examples
# (tests/frameworks.rs), which need those frameworks, and the pyarrow read-back; this script installs them from the
# package index when they are missing (the Linux torch wheel is a few GB) and runs them too.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq --no-install-recommends python3 python3-pip >/dev/null
  else
    echo "the command tests need python3 and pip: sudo apt-get install python3 python3-pip" >&2
    exit 1
  fi
fi
# pyarrow reads the Parquet results back as pandas, polars and DuckDB users would
# (tests/parquet_results.rs).
if ! python3 -c "import torch, sklearn, numpy, pyarrow" 2>/dev/null; then
  echo "installing PyTorch, scikit-learn, NumPy and pyarrow for the framework examples (pip)"
  python3 -m pip install --quiet --no-cache-dir torch scikit-learn numpy pyarrow 2>/dev/null \
    || python3 -m pip install --quiet --no-cache-dir --break-system-packages torch scikit-learn numpy pyarrow
fi

cargo test
cargo test --test frameworks -- --ignored
cargo test --test public_scripts -- --ignored
