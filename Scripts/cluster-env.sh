#!/usr/bin/env bash
# Makes .venv-cluster, the virtual environment of the cluster package (Ray and takeoff-cluster, with the tests'
# extras), when it is missing or lacks them; quiet when it is there. Installs python3-venv with apt when Python
# cannot make one.
set -euo pipefail

venv=.venv-cluster
if [ -x "$venv/bin/takeoff-cluster" ] && "$venv/bin/python" -c "import ray, lmdb, takeoff_cluster" 2>/dev/null; then
    exit 0
fi
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
    echo "Installing python3-venv"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
echo "Making $venv (Ray and the cluster package)"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet -e "cluster[test]"
