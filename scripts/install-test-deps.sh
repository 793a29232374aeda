#!/usr/bin/env bash
# System packages the test suite uses for real: Debian's chromium and chromium-driver (HTML pages
# rendered in a headless browser). Installed only when missing; needs root or sudo, as CI has.
set -euo pipefail

# Debian's virtuoso-opensource for the remote-store tests: virtuoso.sh preseeds debconf (no system
# daemon) and installs it when missing.
bash "$(dirname "$0")/virtuoso.sh" install

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing ${need[*]} for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
