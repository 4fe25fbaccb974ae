#!/usr/bin/env bash
# Quick start, step 1: install everything flowprobe needs on a fresh Debian machine with
# Node 20, build it, and meter a real capture shipped in the repo (flows print as JSON lines).
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive
# Debian tools the tests and the benchmark compare against: tshark/capinfos (oracles, frame
# counts), nfdump (nfcapd, nfpcapd) and pmacct (nfacctd) as collectors, softflowd, tcpdump;
# time measures the benchmark's peers; iproute2 makes the network namespaces of the tests;
# gcc and libpcap-dev build the capture shim (libpcap only compiles --filter expressions), and
# with g++, make and python3 (node-gyp) the optional npm package cap (--capture cap);
# tcpreplay replays captures into the test namespaces; ethtool switches VLAN offload there;
# libcap2-bin (setcap) gives the shim its capabilities in the unprivileged test; nftables,
# iperf3 and ping make the test router (NAT) and its traffic.
pkgs=(tshark wireshark-common nfdump pmacct softflowd tcpdump time iproute2 gcc g++ make python3 libc6-dev libpcap-dev tcpreplay ethtool libcap2-bin nftables iperf3 iputils-ping)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
npm ci --no-audit --no-fund
npm run build
./dist/flowprobe -r test/fixtures/pcaps/zeek--http--bro.org.pcap
