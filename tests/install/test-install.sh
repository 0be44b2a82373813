#!/bin/sh
# SPDX-License-Identifier: MIT
# meson install into a scratch root, then build a driver and an app against the installed amod
# with nothing but `pkg-config --cflags --libs amod`, run it, and check that the library
# exports only its public names.
set -eu
build=$1
src=$2
sanitize=$3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null

pcdir=$(dirname "$(find "$root" -name amod.pc | head -n 1)")
[ -f "$pcdir/amod.pc" ] || { echo "amod.pc not installed"; exit 1; }
lib=$(find "$root" -name 'libamod.so.0' | head -n 1)
[ -n "$lib" ] || { echo "libamod.so.0 not installed"; exit 1; }

export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$root"
cflags=$(pkg-config --cflags amod)
libs=$(pkg-config --libs amod)
san=""
[ "$sanitize" = none ] || san="-fsanitize=$sanitize"
# C++ calls into the port's C objects: their vtables carry no C++ type info (docs/wdk-compat.md).
case "$sanitize" in *undefined*) san="$san -fno-sanitize=vptr" ;; esac

cc -std=c17 -Wall -Wextra -Werror $san $cflags "$src/installed-app.c" -o "$root/app-c" $libs
c++ -std=c++17 -Wall -Wextra -Werror $san $cflags -x c++ "$src/installed-app.c" -o "$root/app-cxx" $libs
LD_LIBRARY_PATH=$(dirname "$lib") "$root/app-c"
LD_LIBRARY_PATH=$(dirname "$lib") "$root/app-cxx"

# Exported names: the native API, the WDK extension and the WDK GUIDs, nothing else.
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | grep -v -E \
	'^(amod_[a-z0-9_]+|Amod[A-Za-z]+|IID_[A-Za-z]+|KS[A-Z]+ID_[A-Za-z]+|GUID_NULL|AUDIO_SIGNALPROCESSINGMODE_[A-Z]+|AMOD_0)$' || true)
if [ -n "$bad" ]; then
	echo "libamod exports private symbols:"
	echo "$bad"
	exit 1
fi
echo "install: ok"
