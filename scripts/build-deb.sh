#!/bin/sh
# Builds the emoguard Debian package from this source tree: copies the tree (without build
# directories and .git) to OUT/src/emoguard-VERSION, runs dpkg-buildpackage there with debian/, and
# leaves OUT/emoguard_VERSION_ARCH.deb. The source tree itself is not written to.
# Usage: scripts/build-deb.sh [OUT]   (default build/deb; JOBS sets the parallel build, default 2)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)
src="$out/src/emoguard-$version"
rm -rf "$out/src"
mkdir -p "$src"
# build*, obj-* and .git are local state; the copy is what the package is built from
(cd "$here" && tar --exclude='./build*' --exclude='./obj-*' --exclude='./.git' \
    --exclude='./debian/emoguard' --exclude='./debian/.debhelper' -cf - .) | tar -xf - -C "$src"
rm -f "$out"/emoguard_*.deb "$out"/emoguard-dbgsym_*.deb
(cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=${JOBS:-2}" \
    dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
    tail -n 60 "$out/build.log" >&2
    echo "emoguard: package build failed; full log in $out/build.log" >&2
    exit 1
}
mv "$out/src"/emoguard_*.deb "$out"/
rm -f "$out/src"/emoguard-dbgsym_*.deb "$out/src"/emoguard_*.buildinfo "$out/src"/emoguard_*.changes
rm -rf "$src"
ls "$out"/emoguard_*.deb
