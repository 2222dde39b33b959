#!/bin/sh
# Builds the calibration programs (calibration/src/*.c) with the system C
# compiler into calibration/build/ (git-ignored):
#
#   sh calibration/build.sh            # build what is out of date
#   CC=clang sh calibration/build.sh   # pick the compiler
#   sh calibration/build.sh --force    # rebuild everything
#
# Exit codes (harness/calibrate/build.ts relies on them):
#   0   built, or already up to date
#   1   a compile failed (the compiler's messages are on stderr)
#   3   no C compiler found: calibration is skipped, nothing else is wrong
set -u
# No dirname(1): the script must reach its "no compiler" verdict even with a bare PATH.
case "$0" in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac
here=$(cd "$here" && pwd)
src="$here/src"
out="$here/build"
force=0
[ "${1:-}" = "--force" ] && force=1

cc_bin=""
for candidate in "${CC:-}" cc gcc clang; do
  [ -n "$candidate" ] || continue
  if command -v "$candidate" >/dev/null 2>&1; then
    cc_bin=$candidate
    break
  fi
done
if [ -z "$cc_bin" ]; then
  echo "calibration: no C compiler found (tried \$CC, cc, gcc, clang); install one (e.g. apt-get install gcc) to measure against the machine's limit" >&2
  exit 3
fi

mkdir -p "$out" || exit 1
cflags="-O2 -std=c11 -Wall -Wextra -Werror=implicit-function-declaration"
status=0
for prog in pong-server load-client; do
  bin="$out/$prog"
  c="$src/$prog.c"
  if [ "$force" -eq 0 ] && [ -x "$bin" ] && [ "$bin" -nt "$c" ] && [ "$bin" -nt "$src/wire.h" ] && [ "$bin" -nt "$0" ]; then
    continue
  fi
  # Build into a temporary name so a failed or interrupted build never leaves a broken binary.
  if "$cc_bin" $cflags -o "$bin.tmp.$$" "$c" -lm; then
    mv -f "$bin.tmp.$$" "$bin" || status=1
    echo "calibration: built $bin with $cc_bin" >&2
  else
    rm -f "$bin.tmp.$$"
    echo "calibration: compiling $c with $cc_bin failed (messages above)" >&2
    status=1
  fi
done
exit $status
