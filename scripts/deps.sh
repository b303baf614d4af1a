#!/bin/sh
# Installs the Debian packages in scripts/debian-packages.txt. As root it runs apt-get; otherwise
# it prints the exact command and fails, so nothing half-installs silently.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
list=${1:-$here/debian-packages.txt}
pkgs=$(sed -e 's/#.*//' "$list" | tr -s ' \n' ' ')
missing=""
for p in $pkgs; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "emoguard: missing Debian packages. Run as root:" >&2
    echo "  apt-get update && $cmd" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# postfix asks questions on install; answer them for a loopback-only test MTA.
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections 2>/dev/null || true
echo "postfix postfix/mailname string localhost" | debconf-set-selections 2>/dev/null || true
apt-get update -q
# shellcheck disable=SC2086
$cmd
