#!/bin/sh
# deb.sh OUT - build the Debian package of this source tree into OUT.
#
# dpkg-buildpackage runs on a copy of the tree in OUT/src without build/,
# .git and the built program, so the package is built from the source
# alone, as a distribution builds it (and with -Werror off: WERROR is on
# only in a git checkout).  The .deb, .buildinfo and .changes land in OUT.
set -eu
out=$1
case $out in
/*) ;;
*) out=$(pwd)/$out ;;
esac
rm -rf "$out"
mkdir -p "$out/src"
tar -cf - --exclude=./build --exclude=./.git --exclude=./mqfsck . |
    tar -xf - -C "$out/src"
cd "$out/src"
if ! dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed; the whole log is $out/build.log" >&2
	exit 1
fi
ls "$out"/*.deb
