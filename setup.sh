#!/usr/bin/env bash
# Quick start, step 1: install what flowprobe needs to build and run on a fresh Debian machine
# with Node 20, build it, and meter a real capture shipped in the repo (flows print as JSON
# lines). The tools the tests compare against are installed by `npm test` (scripts/tools.mjs).
#
#   ./setup.sh               packages, npm ci, build, meter the sample
#   ./setup.sh --install     install the built flowprobe under PREFIX (default /usr/local; DESTDIR
#                            stages it), with its capture shim, user and systemd unit (docs/install.md)
#   ./setup.sh --uninstall   remove what --install put there (keeps /etc/default/flowprobe and the user)
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive

# Installs the Debian packages given that are not installed yet (a second run installs nothing).
need_packages() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: needs Debian packages ${missing[*]}: run as root, or install sudo" >&2; exit 1; }
    sudo=(sudo env DEBIAN_FRONTEND=noninteractive) # sudo resets the environment
  fi
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

case "${1:-}" in
  --install | --uninstall)
    # setcap gives the installed shim its capabilities
    if [ "$1" = --install ] && ! PATH="$PATH:/usr/sbin:/sbin" command -v setcap >/dev/null; then need_packages libcap2-bin; fi
    exec packaging/install.sh "$1"
    ;;
  "") ;;
  *) echo "usage: ./setup.sh [--install | --uninstall]" >&2; exit 2 ;;
esac

# gcc, libc6-dev and libpcap-dev build the capture shim (libpcap compiles --filter expressions;
# libpcap0.8 comes with it); g++, make and python3 let node-gyp build the optional npm package
# cap (--capture cap, package.json optionalDependencies), which npm ci would otherwise skip.
need_packages gcc libc6-dev libpcap-dev g++ make python3
npm ci --no-audit --no-fund
npm run build
./dist/flowprobe -r test/fixtures/pcaps/zeek--http--bro.org.pcap
