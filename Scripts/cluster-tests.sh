#!/usr/bin/env bash
# The cluster package's tests: a local Ray cluster on this machine verifies and reconstructs real archives with the
# takeoff binary (cluster/tests). Makes the virtual environment first when it is missing (make cluster-env).
#
#   Scripts/cluster-tests.sh [--binary .build/debug/takeoff]
#
# Nothing is skipped: without the binary, or when Ray cannot start, the tests fail with the reason.
set -euo pipefail

binary=.build/debug/takeoff
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary="$2"; shift 2 ;;
        *) echo "cluster-tests: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -x "$binary" ] || { echo "cluster-tests: no takeoff binary at $binary" >&2; exit 1; }
Scripts/cluster-env.sh
cd cluster
RAY_USAGE_STATS_ENABLED=0 TAKEOFF_BINARY="$(realpath "../$binary")" ../.venv-cluster/bin/python -m unittest discover -s tests -v
