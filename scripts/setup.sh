#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: Debian packages (only the missing ones),
# the .venv at the repository root and the project installed editable with its dev extras.
# Re-running it is cheap: every step checks first and does nothing when already done.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# Debian packages the kiosk and its tests use:
#   pcscd, vsmartcard-vpcd, libpcsclite-dev, swig  -> real PC/SC card path (and building pyscard)
#   espeak-ng, sox, alsa-utils (aplay)             -> speech output and its checks
#   socat                                          -> serial/pty plumbing for technicians
#   fonts-noto-cjk, fontconfig                     -> Chinese text on screen and on receipt previews
#   libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 -> Qt's offscreen platform
#   libxcb-* libxkbcommon-x11-0                    -> Qt's xcb platform (the window on a display)
#   python3-venv                                   -> the virtual environment
#   postgresql                                     -> the reference core on PostgreSQL (its tests)
#   cage, xwayland, grim, libwayland-*             -> the locked-down session (Qt on Wayland), its test
#   systemd                                        -> systemd-analyze verify of deploy/ units
#   xvfb                                           -> bench.ui: the kiosk window on a real X server
debs=(tzdata alsa-utils pcscd vsmartcard-vpcd libpcsclite-dev swig espeak-ng sox socat fonts-noto-cjk fontconfig
      libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 make postgresql
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1
      libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0
      libusb-1.0-0 speech-dispatcher speech-dispatcher-espeak-ng
      cage xwayland grim systemd libwayland-client0 libwayland-cursor0 libwayland-egl1 xvfb)

missing=()
for p in "${debs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then missing+=(python3-venv); fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python_bin="${PYTHON:-python3}"
if ! "$python_bin" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "setup: Python >= 3.11 is required (found $("$python_bin" --version 2>&1))" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$python_bin" -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.kiosk-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing the project (editable) with its dev extras"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
