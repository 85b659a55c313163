#!/usr/bin/env bash
# The wheel users get from `pip install seedscope`: built with maturin (a binary wheel, as ruff
# and uv ship), audited for manylinux, sized, installed into a fresh virtual environment, and
# an example script run through the installed `seedscope` with the helper imported from the
# wheel (the script is copied alone, so the repository's copy of the helper is out of reach).
set -euo pipefail
cd "$(dirname "$0")/.."

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
(cd assets/wheel && maturin build --release --quiet --auditwheel check --out "$work/dist")
wheel=$(ls "$work"/dist/seedscope-*.whl)
echo "wheel: $(basename "$wheel")"
case "$(basename "$wheel")" in
  *manylinux*) ;;
  *) echo "not a manylinux wheel: $(basename "$wheel")" >&2; exit 1 ;;
esac
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
    print("program:", scripts[0], "helper:", helpers[0])
PY
needed=$(readelf -d "$(find "$work/unpacked" -name seedscope -type f)" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo "$needed" | tr '\n' ' ')"
if echo "$needed" | grep -Ev "$allowed_needed" | grep -q .; then
  echo "links a library outside manylinux: $(echo "$needed" | grep -Ev "$allowed_needed")" >&2
  exit 1
fi

echo "-- a fresh virtual environment, the wheel, and an example script"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$wheel"
helper=$("$work/venv/bin/python3" -c "import seedscope_run; print(seedscope_run.__file__)")
case "$helper" in
  "$work/venv/"*) echo "helper imported from the wheel: $helper" ;;
  *) echo "seedscope_run came from $helper, not the wheel" >&2; exit 1 ;;
esac
mkdir "$work/script"
cp examples/python-stdlib/train.py "$work/script/"
(
  cd "$work/script"
  export PATH="$work/venv/bin:$PATH" SEEDSCOPE_NO_STORE=1
  [ "$(command -v seedscope)" = "$work/venv/bin/seedscope" ] || { echo "seedscope is not the wheel's" >&2; exit 1; }
  seedscope --version
  seedscope run --command "python3 train.py" --seed 1 --repeats 3 \
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
echo "wheel ok"
