#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# install_deb_fresh_root (CTest label install): the .deb that install_deb made, installed with
# apt into a fresh Debian 12 root (debootstrap --variant=minbase bookworm; chroot) as a new user
# would: `apt-get install ./pmemvp_*.deb`, then g++ and cmake; then the installed
# examples/minimal-vp is built there with find_package(pmemvp) from /usr and run.
# Needs root (chroot), debootstrap and Debian's archive; without root or debootstrap it exits
# 77 (skipped, saying why). The base system is cached outside the build tree, as the Linux
# kernel is: ${PMEMVP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pmemvp}/debian-bookworm-minbase.tar
# (made once, about 2 minutes; then each run takes about a minute).
#   deb_root_test.sh DEB_DIR WORK_DIR
set -euo pipefail
deb_dir=$1
work=$2

if [ "$(id -u)" -ne 0 ]; then echo "install_deb_fresh_root: skipped: chroot needs root"; exit 77; fi
if ! command -v debootstrap > /dev/null; then
  echo "install_deb_fresh_root: skipped: debootstrap is not installed (scripts/setup installs it)"; exit 77
fi
debs=("$deb_dir"/pmemvp_*.deb)
if [ ! -f "${debs[0]}" ]; then echo "install_deb_fresh_root: no package in $deb_dir (install_deb makes it)"; exit 1; fi

root=$work/root
# Nothing is ever mounted into the root, so removing it removes only its own files; refuse if
# something is.
remove_root() {
  if grep -q " $root[/ ]" /proc/mounts; then echo "install_deb_fresh_root: $root has mounts; not removing it"; exit 1; fi
  rm -rf "$work"
}
remove_root
mkdir -p "$work"

cache=${PMEMVP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pmemvp}
base=$cache/debian-bookworm-minbase.tar
if [ ! -f "$base" ]; then
  echo "install_deb_fresh_root: making the base system once: $base"
  mkdir -p "$cache"
  debootstrap --variant=minbase bookworm "$work/base" http://deb.debian.org/debian > "$work/debootstrap.log"
  tar -C "$work/base" -cf "$base.part" . && mv "$base.part" "$base"
  rm -rf "$work/base"
fi
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "${debs[0]}" "$root/tmp/"
deb=/tmp/$(basename "${debs[0]}")

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root DEBIAN_FRONTEND=noninteractive "$@"; }

# What a fresh machine gets from `apt install ./pmemvp_*.deb`: the package and its Depends.
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "$deb" > "$work/apt.log"
in_root dpkg-query -W -f='${Status}\n' pmemvp | grep -q "install ok installed"
version=$(in_root pmemvp -version | head -1)
echo "install_deb_fresh_root: $version"
[[ $version == "pmemvp version "* ]]

# A user's platform built against the package (its Recommends: g++, cmake).
in_root apt-get install -y -qq --no-install-recommends g++ cmake make > "$work/apt-tools.log"
in_root sh -c 'cp -r /usr/share/doc/pmemvp/examples/minimal-vp /tmp/minimal-vp &&
               cmake -S /tmp/minimal-vp -B /tmp/minimal-vp/build > /tmp/configure.log &&
               cmake --build /tmp/minimal-vp/build > /tmp/build.log'
out=$(in_root /tmp/minimal-vp/build/minimal-vp /tmp/nvdimm.img)
echo "$out"
grep -q "^minimal-vp: line 0: 'record 0' survived$" <<< "$out"
grep -q "^minimal-vp: line 1: lost$" <<< "$out"
grep -q "/usr/lib/x86_64-linux-gnu/cmake/pmemvp\|/usr/lib/cmake/pmemvp" "$root/tmp/minimal-vp/build/CMakeCache.txt"

remove_root
echo "install_deb_fresh_root: passed"
