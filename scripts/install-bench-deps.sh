#!/usr/bin/env bash
# System packages the benchmark (bench/run.py) uses: Debian's wrk, the HTTP load generator, so that the
# client is not what limits the figures. Installed only when missing; needs root or sudo.
set -euo pipefail

command -v wrk >/dev/null 2>&1 && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing wrk for the benchmark…"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
