#!/usr/bin/env bash
# Coverage-guided fuzzing of Takeoff's decoders with libFuzzer (Linux, Swift's own toolchain).
#
#   Scripts/fuzz.sh codec|archive [SECONDS] [libFuzzer options...]
#
# Builds takeoff-fuzz with coverage instrumentation and AddressSanitizer in .build-fuzz, links libFuzzer's
# driver (the toolchain's libclang_rt.fuzzer_no_main: the package manager names the executable's entry
# point itself, so libFuzzer is started from it), and runs the target for SECONDS (default 600) on a
# corpus kept in fuzz-corpus/TARGET. A trap or a failed round trip stops it and leaves the input in
# crash-*; replay one with `.build-fuzz/release/takeoff-fuzz crash-...`.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: $0 codec|archive [SECONDS] [libFuzzer options...]}"
seconds="${2:-600}"
shift $(( $# >= 2 ? 2 : 1 ))
case "$target" in codec|archive) ;; *) echo "fuzz: unknown target $target (codec or archive)" >&2; exit 2 ;; esac
runtime=$(dirname "$(dirname "$(command -v swift)")")/lib/clang
library=$(find "$runtime" -name 'libclang_rt.fuzzer_no_main-x86_64.a' | head -n 1)
[ -n "$library" ] || { echo "fuzz: libFuzzer (libclang_rt.fuzzer_no_main) is not in this toolchain" >&2; exit 2; }
swift build -c release --product takeoff-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xswiftc -DTAKEOFF_LIBFUZZER -Xlinker "$library" -Xlinker -lstdc++
mkdir -p "fuzz-corpus/$target"
TAKEOFF_FUZZ_TARGET="$target" .build-fuzz/release/takeoff-fuzz "fuzz-corpus/$target" -max_total_time="$seconds" "$@"
