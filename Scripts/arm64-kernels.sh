#!/usr/bin/env bash
# The NEON kernels, on a machine that is not arm64: cross-compiles Sources/CLatticeHash and
# Tests/Arm64Kernels/kernel_check.c for arm64 (Debian's gcc-aarch64-linux-gnu) and runs the check under qemu's
# user-mode emulation, which implements Advanced SIMD. The expansion is compared with the portable one in C, the
# digests with Python's hashlib here. On arm64 itself the Swift suite checks the NEON kernels directly.
# Installs the cross compiler and qemu with apt when they are missing. Exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -m)" = aarch64 ]; then
    echo "arm64-kernels: this is an arm64 machine; the Swift suite checks the NEON kernels here"
    exit 0
fi
missing=""
for package in gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user; do
    dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
    echo "arm64-kernels: installing$missing"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/takeoff-arm64.XXXXXX")
trap 'rm -rf "$work"' EXIT
aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -ISources/CLatticeHash/include -ISources/CLatticeHash \
    Sources/CLatticeHash/*.c Tests/Arm64Kernels/kernel_check.c -o "$work/kernel_check"
qemu-aarch64 -L /usr/aarch64-linux-gnu "$work/kernel_check" >"$work/digests"

python3 - "$work/digests" <<'PYTHON'
import hashlib, sys

LONGEST = 119
state = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
def next_byte():
    global state
    state ^= (state << 13) & MASK
    state ^= state >> 7
    state ^= (state << 17) & MASK
    return state & 0xFF

for _ in range(1003 * 32):  # the seeds come first
    next_byte()
lines = open(sys.argv[1]).read().split("\n")[:-1]
wrong = 0
for line in lines:
    length, digest = line.split()
    message = bytes(next_byte() for _ in range(int(length)))
    expected = hashlib.sha256(message).hexdigest() if int(length) <= LONGEST else "00" * 32
    if digest != expected:
        print(f"arm64-kernels: the NEON digest of a {length}-byte message is {digest}, hashlib says {expected}")
        wrong += 1
if len(lines) != 300 or wrong:
    sys.exit(f"arm64-kernels: {wrong} wrong digests of {len(lines)}")
print(f"arm64-kernels: NEON expansion equals the portable one; {len(lines)} NEON digests equal hashlib's (under qemu-aarch64)")
PYTHON
