#!/bin/sh
# deps.sh - install the Debian packages mqfsck needs that are missing.
#
# Usage: mk/deps.sh build|test|deb|all
#   build    compiler, make, pkg-config, libarchive, OpenSSL's libcrypto
#   test     build + cmocka, clang and its sanitizer/libFuzzer runtime,
#            valgrind, cppcheck, clang-tidy, mandoc, and for the interop
#            tests the real sendmail (its daemon kept from starting), ip,
#            and e2fsprogs and util-linux for an ext4 image on a loop device,
#            python3-jsonschema to validate the JSON output, and prometheus
#            for promtool (metrics and alert rules checked; never started),
#            python3-junitparser and perl (prove) for the CI report formats
#   deb      build + what make deb and make distcheck use: dpkg-dev,
#            debhelper, lintian, cmocka (the package build runs the unit
#            tests), systemd (systemd-analyze verify of the unit)
#   all      everything
#
# Only missing packages are installed, and the script says which.  Where
# apt-get is not available it names the packages and fails, so that a
# build never runs half-equipped.
set -eu

want=${1:-build}

build_pkgs="gcc make pkg-config libarchive-dev libssl-dev zlib1g-dev"
# sendmail-bin: the real sendmail 8.17 the interop tests run (only ever in
# a loopback-only network namespace); iproute2: their "ip"; e2fsprogs
# (mkfs.ext4, debugfs, e2fsck) and util-linux (losetup, mount): the
# file-system crash that fills lost+found; python3-jsonschema: the JSON
# records checked against docs/mqfsck.schema.json; prometheus: promtool,
# which checks the metrics and the alert rules (its daemon, like
# sendmail's, is kept from starting); python3-junitparser and perl's prove
# read the --format junit and tap reports as CI servers would.
test_pkgs="libcmocka-dev clang valgrind cppcheck clang-tidy mandoc sendmail-bin iproute2 e2fsprogs util-linux python3-jsonschema prometheus python3-junitparser perl"

deb_pkgs="dpkg-dev debhelper lintian libcmocka-dev systemd"

case $want in
build) pkgs=$build_pkgs ;;
test) pkgs="$build_pkgs $test_pkgs" ;;
deb) pkgs="$build_pkgs $deb_pkgs" ;;
all) pkgs="$build_pkgs $test_pkgs $deb_pkgs" ;;
*)
	echo "usage: $0 build|test|deb|all" >&2
	exit 2
	;;
esac

missing_of() {
	out=
	for p in "$@"; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[ "$st" = installed ] || out="$out $p"
	done
	echo "$out"
}

install_pkgs() {
	if [ -z "$*" ]; then
		return 0
	fi
	if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
		echo "deps: apt-get is not available here; install these packages" \
		    "(Debian names) by other means:$*" >&2
		exit 1
	fi
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=sudo
		else
			echo "deps: not root and no sudo; as root run: apt-get install$*" >&2
			exit 1
		fi
	fi
	echo "deps: installing:$*"
	export DEBIAN_FRONTEND=noninteractive
	# sendmail-bin and prometheus start their daemons when installed:
	# the tests want the programs, never a daemon listening here.  A
	# policy-rc.d that says 101 ("action forbidden") keeps invoke-rc.d
	# and deb-systemd-invoke from starting it; it is removed after.
	policy=
	case " $* " in
	*" sendmail-bin "* | *" prometheus "*)
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			policy=/usr/sbin/policy-rc.d
			printf '#!/bin/sh\n# mqfsck deps.sh: no daemon starts while it installs\nexit 101\n' |
			    $sudo tee $policy >/dev/null
			$sudo chmod 0755 $policy
		fi
		;;
	esac
	if ! $sudo apt-get install -y --no-install-recommends "$@" >/tmp/mqfsck-deps.$$ 2>&1; then
		echo "deps: apt-get install failed; updating the package lists and retrying" >&2
		$sudo apt-get update >/dev/null 2>&1 || true
		if ! $sudo apt-get install -y --no-install-recommends "$@" >/tmp/mqfsck-deps.$$ 2>&1; then
			tail -n 20 /tmp/mqfsck-deps.$$ >&2
			rm -f /tmp/mqfsck-deps.$$
			[ -z "$policy" ] || $sudo rm -f "$policy"
			exit 1
		fi
	fi
	rm -f /tmp/mqfsck-deps.$$
	[ -z "$policy" ] || $sudo rm -f "$policy"
}

# Only dpkg-based systems can be checked this way.
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: not a Debian system; make sure these are installed: $pkgs" >&2
	exit 0
fi

missing=$(missing_of $pkgs)
[ -z "$missing" ] || install_pkgs $missing

# clang's sanitizer and libFuzzer runtimes come in a versioned package
# that clang only recommends.
case $want in
test | all)
	if command -v clang >/dev/null 2>&1; then
		major=$(clang -dumpversion | cut -d. -f1)
		rt=$(missing_of "libclang-rt-$major-dev")
		[ -z "$rt" ] || install_pkgs $rt
	fi
	;;
esac
exit 0
