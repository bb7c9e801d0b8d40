#!/bin/sh
# distcheck.sh OUT - what a packager does with this tree, checked:
#   1. make install and make uninstall into a DESTDIR, with the default
#      PREFIX and with PREFIX=/usr: everything installed goes again;
#   2. the Debian package (mk/deb.sh, into OUT), which lintian must pass
#      without an error or a warning (overrides only with a reason, in
#      debian/), holding each file where Debian expects it;
#   3. as root (MQ_DISTCHECK_DPKG=0 skips it): dpkg -i, systemd-analyze
#      verify of the installed unit, then dpkg -r and dpkg -P, after which
#      the archives of past repairs must still be there (they are mail).
# The last line is "N passed, N failed".
set -u
out=$1
pass=0
fail=0
ok() { echo "ok   distcheck/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL distcheck/$1: $2"; fail=$((fail + 1)); }

tmp=$(mktemp -d /tmp/mqfsck-distcheck.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

# 1. install and uninstall
for prefix in /usr/local /usr; do
	dest=$tmp/dest$(echo "$prefix" | tr / _)
	if ! make -s install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/log" 2>&1; then
		bad "install$prefix" "make install failed: $(tail -n 3 "$tmp/log")"
		continue
	fi
	n=$(find "$dest" -type f | wc -l)
	if ! make -s uninstall DESTDIR="$dest" PREFIX="$prefix" >"$tmp/log" 2>&1; then
		bad "install$prefix" "make uninstall failed: $(tail -n 3 "$tmp/log")"
		continue
	fi
	left=$(find "$dest" ! -type d | head -n 3)
	if [ "$n" -lt 8 ]; then
		bad "install$prefix" "only $n files installed"
	elif [ -n "$left" ]; then
		bad "install$prefix" "make uninstall left $(echo $left)"
	else
		ok "install$prefix ($n files installed, none left)"
	fi
done

# 2. the package and lintian
if ! sh mk/deb.sh "$out" >"$tmp/log" 2>&1; then
	bad deb "$(tail -n 5 "$tmp/log")"
	echo "$pass passed, $((fail + 1)) failed"
	exit 1
fi
deb=$(ls "$out"/mqfsck_*.deb)
ok "deb ($(basename "$deb"))"
if lintian --fail-on error,warning "$out"/*.changes >"$tmp/lintian" 2>&1; then
	ok "lintian ($(grep -c '^[EW]:' "$tmp/lintian") errors and warnings)"
else
	bad lintian "$(grep '^[EW]:' "$tmp/lintian" | head -n 5)"
fi
dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$tmp/files"
why=
for f in /usr/sbin/mqfsck /usr/share/man/man8/mqfsck.8.gz \
    /usr/share/man/man5/sendmail-queue.5.gz \
    /lib/systemd/system/mqfsck.service \
    /lib/systemd/system/sendmail.service.d/mqfsck.conf \
    /usr/share/mqfsck/mqfsck.sh /usr/share/doc/mqfsck/copyright; do
	grep -qx "$f" "$tmp/files" || why="${why:-$f is not in the package}"
done
grep -q '^/usr/local' "$tmp/files" && why="${why:-the package holds /usr/local}"
[ -z "$why" ] && ok "deb contents" || bad "deb contents" "$why"

# 3. dpkg -i, systemd-analyze verify, dpkg -r / -P
if [ "$(id -u)" -ne 0 ] || [ "${MQ_DISTCHECK_DPKG:-1}" = 0 ]; then
	echo "skip distcheck/dpkg (not root, or MQ_DISTCHECK_DPKG=0)"
else
	marker=/var/lib/mqfsck/archive/mqfsck-distcheck-$$.tar.gz
	made_dir=
	[ -d /var/lib/mqfsck ] || made_dir=1
	if dpkg-query -W -f='${db:Status-Status}' mqfsck 2>/dev/null | grep -qx installed; then
		bad dpkg "mqfsck is installed on this machine already: not touched"
	elif ! dpkg -i "$deb" >"$tmp/log" 2>&1; then
		bad dpkg "dpkg -i failed: $(tail -n 3 "$tmp/log")"
	else
		why=
		/usr/sbin/mqfsck -V | grep -qx 'archive /var/lib/mqfsck/archive' ||
		    why="the installed mqfsck -V does not show /var/lib/mqfsck/archive"
		if ! systemd-analyze verify --man=no /lib/systemd/system/mqfsck.service \
		    >"$tmp/verify" 2>&1; then
			why="${why:-systemd-analyze verify: $(head -n 3 "$tmp/verify")}"
		fi
		# An archive of a past repair, as mqfsck -y leaves it.
		install -d -m 0700 /var/lib/mqfsck /var/lib/mqfsck/archive
		echo "a past repair" >"$marker"
		dpkg -r mqfsck >"$tmp/log" 2>&1 || why="${why:-dpkg -r failed}"
		[ -e /usr/sbin/mqfsck ] && why="${why:-dpkg -r left /usr/sbin/mqfsck}"
		[ -f "$marker" ] || why="${why:-dpkg -r removed the archives}"
		dpkg -P mqfsck >"$tmp/log" 2>&1 || why="${why:-dpkg -P failed}"
		[ -f "$marker" ] || why="${why:-dpkg -P removed the archives}"
		[ -z "$why" ] && ok "dpkg (install, systemd-analyze verify, remove and purge keep the archives)" ||
		    bad dpkg "$why"
		rm -f "$marker"
		[ -z "$made_dir" ] || rm -rf /var/lib/mqfsck
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
