#!/usr/bin/env bash
# Installs the locked-down kiosk session on this machine (the steps of docs/install.md that a
# script can do): the `kiosk` user, its directories, the session script, the PAM stack, the unit,
# a config and secrets template when none exist, `systemd-analyze verify` of the unit, and with a
# running systemd: daemon-reload, enable, graphical boot. Re-running it changes nothing that is
# already right; an existing config or secrets file is never overwritten.
#
#   deploy/install.sh [--root DIR] [--kiosk-bin PATH] [--no-enable]
#
#   --root DIR       install under DIR instead of / (CI, image builds): no user is created and
#                    systemctl is not called; the unit is still verified
#   --kiosk-bin P    the kiosk executable the unit runs (default /opt/kiosk/current/kiosk, the
#                    frozen build; a checkout's .venv/bin/kiosk works too)
#   --no-enable      install and verify, but do not enable or start anything
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
root=""
kiosk_bin="/opt/kiosk/current/kiosk"
enable=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a directory}"; shift 2 ;;
    --kiosk-bin) kiosk_bin="${2:?--kiosk-bin needs a path}"; shift 2 ;;
    --no-enable) enable=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "install: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
root="${root%/}"
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install: run as root (or with --root DIR to stage the files)" >&2
  exit 1
fi

say() { echo "install: $*"; }

# 1. the unprivileged user (a system account, no login shell, home = its data dir)
if [ -z "$root" ]; then
  if ! getent passwd kiosk >/dev/null; then
    say "creating the system user kiosk"
    useradd --system --user-group --home-dir /var/lib/kiosk --no-create-home \
      --shell /usr/sbin/nologin --comment "self-service kiosk" kiosk
  fi
  for group in video render input dialout audio; do
    if getent group "$group" >/dev/null && ! id -nG kiosk | tr ' ' '\n' | grep -qx "$group"; then
      usermod -a -G "$group" kiosk
    fi
  done
  owner=kiosk
else
  say "staging under $root: no user created, systemctl not called"
  owner="$(id -un)"
fi

# 2. directories: config root-owned and group-readable, data private to the kiosk
install -d -m 0755 "$root/usr/lib/kiosk" "$root/etc/systemd/system" "$root/etc/pam.d" \
  "$root/usr/share/doc/kiosk" "$root/opt/kiosk"
install -d -m 0750 "$root/etc/kiosk"
install -d -m 0700 "$root/var/lib/kiosk"
if [ -z "$root" ]; then
  chown root:kiosk /etc/kiosk
  chown kiosk:kiosk /var/lib/kiosk
fi

# 3. the session script, its PAM stack, the unit (KIOSK_BIN set to the chosen executable)
install -m 0755 "$here/cage/kiosk-session" "$root/usr/lib/kiosk/kiosk-session"
install -m 0644 "$here/cage/kiosk-session.pam" "$root/etc/pam.d/kiosk-session"
unit="$root/etc/systemd/system/kiosk.service"
sed "s|KIOSK_BIN=/opt/kiosk/current/kiosk|KIOSK_BIN=$kiosk_bin|" \
  "$here/systemd/kiosk.service" >"$unit.new"
chmod 0644 "$unit.new"
if cmp -s "$unit.new" "$unit"; then rm "$unit.new"; else mv "$unit.new" "$unit"; say "unit installed"; fi
if [ -f "$repo/docs/install.md" ]; then
  install -m 0644 "$repo/docs/install.md" "$root/usr/share/doc/kiosk/install.md"
fi

# 4. a config and a secrets template, only when there is none (never overwrite a site's own)
if [ ! -e "$root/etc/kiosk/kiosk.toml" ]; then
  sed 's|^data_dir = .*|data_dir = "/var/lib/kiosk"                # StateDirectory= of kiosk.service|' \
    "$repo/examples/kiosk.toml" >"$root/etc/kiosk/kiosk.toml"
  chmod 0640 "$root/etc/kiosk/kiosk.toml"
  if [ -z "$root" ]; then chown root:kiosk /etc/kiosk/kiosk.toml; fi
  say "example config at $root/etc/kiosk/kiosk.toml: edit it, then 'kiosk check-config'"
fi
if [ ! -e "$root/etc/kiosk/secrets.env" ]; then
  umask 077
  cat >"$root/etc/kiosk/secrets.env" <<'SECRETS'
# Read by systemd (root) for kiosk.service; mode 0600, never in the config file or the repo.
# KIOSK_CORE_TOKEN=...
# KIOSK_JOURNAL_KEY=...
# KIOSK_PIN_KEY=...
# KIOSK_IC_CARD_KEY=...
# KIOSK_TECH_PIN_HASH=...
SECRETS
  chmod 0600 "$root/etc/kiosk/secrets.env"
  say "secrets template at $root/etc/kiosk/secrets.env (root only): fill it in"
fi

# 5. verify the unit as systemd would read it (unknown keys and bad values are warnings on stderr)
if command -v systemd-analyze >/dev/null; then
  check="$(mktemp -d)"
  trap 'rm -rf "$check"' EXIT
  sed "s|^ExecStart=/usr/lib/kiosk/|ExecStart=$root/usr/lib/kiosk/|" "$unit" >"$check/kiosk.service"
  if out="$(systemd-analyze verify "$check/kiosk.service" 2>&1)" && [ -z "$out" ]; then
    say "systemd-analyze verify: kiosk.service ok"
  else
    echo "install: systemd-analyze verify kiosk.service:" >&2
    echo "$out" >&2
    exit 1
  fi
else
  say "systemd-analyze not found: unit not verified"
fi

# 6. enable it (only on a machine whose init is systemd, and only for a real install)
if [ -n "$root" ] || [ "$enable" -eq 0 ]; then
  say "done (not enabled)"
  exit 0
fi
if [ ! -d /run/systemd/system ]; then
  say "systemd is not running here (a container?): kiosk.service installed, not enabled"
  exit 0
fi
systemctl daemon-reload
systemctl set-default graphical.target >/dev/null
systemctl enable kiosk.service
say "enabled: kiosk.service starts at boot on tty1 ('systemctl start kiosk' to start it now)"
