#!/usr/bin/env bash
# The wheel users get from `pip install seedscope`: built with maturin (a binary wheel, as ruff
# and uv ship), audited for manylinux, sized, and an example script run through the wheel's
# `seedscope` with the helper imported from the wheel (the script is copied alone, so the
# repository's copy of the helper is out of reach).
#
#   bash .ci/wheel.sh           this machine's wheel (x86_64), installed into a fresh venv
#   bash .ci/wheel.sh aarch64   the aarch64 wheel, cross-built (gcc-aarch64-linux-gnu) and its
#                               program run under qemu-user; a release step, not in .ci/run,
#                               whose 90 minutes do not hold a second release build
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:-native}
build_args=()
case "$arch" in
  native) ;;
  aarch64)
    if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
      apt-get update -qq && apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user >/dev/null
    fi
    rustup target add aarch64-unknown-linux-gnu
    # The C in the build (mimalloc, SQLite) and the link, by the cross toolchain.
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
      CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
      AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
    build_args=(--target aarch64-unknown-linux-gnu)
    ;;
  *) echo "usage: $0 [aarch64]" >&2; exit 2 ;;
esac

# What a user downloads: the program is most of it.
max_wheel_mb=40
# Libraries a manylinux wheel may link (the window's GL and X11 libraries are loaded at run
# time with dlopen, so they must not appear here).
allowed_needed='^(libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$'

python3 -m pip install --quiet "maturin>=1.5,<2" 2>/dev/null \
  || python3 -m pip install --quiet --break-system-packages "maturin>=1.5,<2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- maturin build (release; its auditwheel check refuses a library outside manylinux)"
(cd assets/wheel && maturin build --release --quiet --auditwheel check "${build_args[@]}" --out "$work/dist")
wheel=$(ls "$work"/dist/seedscope-*.whl)
echo "wheel: $(basename "$wheel")"
case "$(basename "$wheel")" in
  *manylinux*) ;;
  *) echo "not a manylinux wheel: $(basename "$wheel")" >&2; exit 1 ;;
esac
if [ "$arch" = aarch64 ]; then
  case "$(basename "$wheel")" in
    *aarch64*) ;;
    *) echo "not an aarch64 wheel: $(basename "$wheel")" >&2; exit 1 ;;
  esac
fi
size=$(stat -c %s "$wheel")
echo "size: $((size / 1024 / 1024)) MB (at most $max_wheel_mb MB)"
[ "$size" -le $((max_wheel_mb * 1024 * 1024)) ] || { echo "the wheel is too large" >&2; exit 1; }

echo "-- what the program links"
python3 - "$wheel" "$work/unpacked" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    names = wheel.namelist()
    scripts = [n for n in names if n.endswith(".data/scripts/seedscope")]
    helpers = [n for n in names if n.endswith(".data/purelib/seedscope_run.py")]
    assert scripts, f"no seedscope program in the wheel: {names}"
    assert helpers, f"no seedscope_run helper in the wheel: {names}"
    wheel.extract(scripts[0], sys.argv[2])
    wheel.extract(helpers[0], sys.argv[2])
    print("program:", scripts[0], "helper:", helpers[0])
PY
program=$(find "$work/unpacked" -name seedscope -type f)
chmod +x "$program"
echo "machine: $(readelf -h "$program" | sed -n 's/.*Machine: *//p')"
needed=$(readelf -d "$program" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo "$needed" | tr '\n' ' ')"
if echo "$needed" | grep -Ev "$allowed_needed" | grep -q .; then
  echo "links a library outside manylinux: $(echo "$needed" | grep -Ev "$allowed_needed")" >&2
  exit 1
fi

mkdir "$work/script"
cp examples/python-stdlib/train.py "$work/script/"
if [ "$arch" = native ]; then
  echo "-- a fresh virtual environment, the wheel, and an example script"
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet "$wheel"
  helper=$("$work/venv/bin/python3" -c "import seedscope_run; print(seedscope_run.__file__)")
  case "$helper" in
    "$work/venv/"*) echo "helper imported from the wheel: $helper" ;;
    *) echo "seedscope_run came from $helper, not the wheel" >&2; exit 1 ;;
  esac
  export PATH="$work/venv/bin:$PATH"
  [ "$(command -v seedscope)" = "$work/venv/bin/seedscope" ] || { echo "seedscope is not the wheel's" >&2; exit 1; }
  seedscope=(seedscope)
else
  # pip refuses another machine's wheel, so its files are used as pip would lay them out:
  # the program run by qemu with the aarch64 C library, the helper on the Python path. The
  # training script itself runs on this machine's Python, started by the emulated program.
  echo "-- the wheel's aarch64 program under qemu, the wheel's helper, and an example script"
  export PYTHONPATH="$(dirname "$(find "$work/unpacked" -name seedscope_run.py)")"
  seedscope=(qemu-aarch64 -L /usr/aarch64-linux-gnu "$program")
fi
(
  cd "$work/script"
  export SEEDSCOPE_NO_STORE=1
  "${seedscope[@]}" --version
  "${seedscope[@]}" run --command "python3 train.py" --seed 1 --repeats 3 \
    --conditions all-fixed,only-init --out results.json --quiet
  python3 - <<'PY'
import json
results = json.load(open("results.json"))
runs = results["runs"]
failed = [r["error"] for r in runs if r["error"]]
assert not failed, f"runs failed (was the helper importable?): {failed[:1]}"
hashes = lambda c: {r["weights_hash"] for r in runs if r["condition"] == c}
assert len(hashes("all-fixed")) == 1, "all-fixed is not bitwise one"
assert len(hashes("only-init")) == 3, "only-init did not vary"
print(f"{len(runs)} runs: all-fixed bitwise identical, only-init 3 distinct weights")
PY
)
echo "wheel ok ($arch)"
