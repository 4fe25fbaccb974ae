#!/usr/bin/env bash
# Installs the built flowprobe (dist/) on a systemd gateway, or removes it; run through
# `./setup.sh --install` / `./setup.sh --uninstall` (docs/install.md).
#
#   PREFIX   where it goes (default /usr/local): PREFIX/bin/flowprobe with the capture shim
#            PREFIX/bin/flowprobe-capture beside it (flowprobe looks for the shim beside itself)
#   DESTDIR  stages everything under this directory instead (a package, a firmware image, the
#            test): the user is not created, systemd is not told, nothing outside it is touched;
#            the staged shim is root:root 0755 (a real install makes it root:flowprobe 0750)
#
# The unit and the sysusers.d file go where systemd reads them: PREFIX/lib/systemd/system and
# PREFIX/lib/sysusers.d for PREFIX /usr/local or /usr (both in systemd's search paths,
# `systemd-analyze unit-paths`, and systemd-sysusers reads /usr/local/lib/sysusers.d too),
# otherwise /etc/systemd/system and /etc/sysusers.d; UNITDIR and SYSUSERSDIR override them.
# /etc/default/flowprobe holds the unit's arguments and is never overwritten.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/sbin:/sbin" # setcap, useradd

PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
BINDIR="$PREFIX/bin"
case "$PREFIX" in
  /usr/local | /usr) lib="$PREFIX/lib" ;;
  *) lib=/etc ;;
esac
UNITDIR="${UNITDIR:-$lib/systemd/system}"
SYSUSERSDIR="${SYSUSERSDIR:-$lib/sysusers.d}"
DEFAULTFILE=/etc/default/flowprobe
CAPS=cap_net_raw,cap_net_admin=ep
say() { echo "install: $*"; }

if [ -n "$DESTDIR" ]; then
  case "$DESTDIR" in /*) ;; *) echo "install: DESTDIR must be an absolute path, not $DESTDIR" >&2; exit 2 ;; esac
  DESTDIR="${DESTDIR%/}"
fi
real() { [ -z "$DESTDIR" ]; } # installing onto this machine, not staging
systemd_running() { real && [ -d /run/systemd/system ]; }

uninstall() {
  if systemd_running && systemctl list-unit-files flowprobe.service >/dev/null 2>&1; then
    systemctl disable --now flowprobe.service 2>/dev/null || true
  fi
  rm -fv "$DESTDIR$BINDIR/flowprobe" "$DESTDIR$BINDIR/flowprobe-capture" \
    "$DESTDIR$UNITDIR/flowprobe.service" "$DESTDIR$SYSUSERSDIR/flowprobe.conf"
  if systemd_running; then systemctl daemon-reload; fi
  say "kept $DESTDIR$DEFAULTFILE and the user flowprobe (remove them with rm and userdel if wanted)"
}

install_files() {
  for f in dist/flowprobe dist/flowprobe-capture; do
    [ -x "$f" ] || { echo "install: $f is missing: build first (./setup.sh, or npm run build)" >&2; exit 1; }
  done
  # install(1) writes a new file (a running flowprobe keeps the old one); the shim's file
  # capabilities go with the old file, so they are set again below
  install -d -m 0755 "$DESTDIR$BINDIR" "$DESTDIR$UNITDIR" "$DESTDIR$SYSUSERSDIR" "$DESTDIR${DEFAULTFILE%/*}"
  install -m 0755 dist/flowprobe "$DESTDIR$BINDIR/flowprobe"
  install -m 0755 dist/flowprobe-capture "$DESTDIR$BINDIR/flowprobe-capture"
  sed "s|@BINDIR@|$BINDIR|g" packaging/flowprobe.service.in > "$DESTDIR$UNITDIR/flowprobe.service.tmp"
  chmod 0644 "$DESTDIR$UNITDIR/flowprobe.service.tmp"
  mv -f "$DESTDIR$UNITDIR/flowprobe.service.tmp" "$DESTDIR$UNITDIR/flowprobe.service"
  install -m 0644 packaging/flowprobe.sysusers "$DESTDIR$SYSUSERSDIR/flowprobe.conf"
  if [ -e "$DESTDIR$DEFAULTFILE" ]; then
    say "kept the existing $DESTDIR$DEFAULTFILE"
  else
    install -m 0644 packaging/flowprobe.default "$DESTDIR$DEFAULTFILE"
  fi
  say "installed $DESTDIR$BINDIR/flowprobe, $DESTDIR$BINDIR/flowprobe-capture, $DESTDIR$UNITDIR/flowprobe.service, $DESTDIR$SYSUSERSDIR/flowprobe.conf"

  real || { caps "$DESTDIR$BINDIR/flowprobe-capture"; return 0; }
  # The user: systemd-sysusers reads the file just installed; useradd where there is no systemd.
  if command -v systemd-sysusers >/dev/null; then
    systemd-sysusers "$SYSUSERSDIR/flowprobe.conf"
  elif ! getent passwd flowprobe >/dev/null; then
    useradd --system --user-group --home-dir / --no-create-home --shell /usr/sbin/nologin --comment "flowprobe flow exporter" flowprobe
  fi
  say "user: $(getent passwd flowprobe)"
  # Capture rights for the group flowprobe only, as Debian does with dumpcap and the group
  # wireshark: with its capabilities the shim would let any local user read the gateway's
  # traffic. (chgrp clears file capabilities: they are set after it.)
  chgrp flowprobe "$BINDIR/flowprobe-capture"
  chmod 0750 "$BINDIR/flowprobe-capture"
  caps "$BINDIR/flowprobe-capture"
  if systemd_running; then
    systemctl daemon-reload
    if systemctl -q is-active flowprobe.service; then
      say "flowprobe.service is running the old executable: systemctl restart flowprobe"
    else
      say "next: set FLOWPROBE_ARGS in $DEFAULTFILE, then: systemctl enable --now flowprobe"
    fi
  else
    say "systemd is not running here: the unit is in place for when it is"
  fi
}

# The shim's file capabilities, for running flowprobe from a shell (the unit grants its own).
caps() {
  local err
  if err=$(setcap "$CAPS" "$1" 2>&1); then
    say "$1: $CAPS"
  elif real; then
    echo "install: setcap $CAPS $1 failed: $err" >&2
    exit 1
  else
    say "warning: setcap $CAPS on the staged $1 failed ($err): set it on the target: setcap $CAPS $BINDIR/flowprobe-capture"
  fi
}

case "${1:-}" in
  --install) install_files ;;
  --uninstall) uninstall ;;
  *) echo "usage: packaging/install.sh --install | --uninstall  (PREFIX, DESTDIR: see the top of this file)" >&2; exit 2 ;;
esac
