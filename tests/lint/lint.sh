#!/bin/sh
# SPDX-License-Identifier: MIT
# cppcheck and clang-tidy (the checks of .clang-tidy) over the project's own code: libamod,
# the tools and the sample driver. Any finding fails. Skips (exit 77) when a tool is missing.
set -u
src=$1
build=$2
command -v cppcheck >/dev/null 2>&1 || { echo "cppcheck not installed"; exit 77; }
command -v clang-tidy >/dev/null 2>&1 || { echo "clang-tidy not installed"; exit 77; }
cd "$src" || exit 1
files=$(ls src/*/*.c tools/*/*.c drivers/sample/*.c)
status=0

out=$(cppcheck --quiet --enable=warning,performance,portability --std=c11 --inline-suppr \
	--error-exitcode=1 -I include -I include/wdk -I src -I drivers/sample -D__GNUC__ \
	--suppress=missingIncludeSystem $files 2>&1) || status=1
[ -z "$out" ] || { echo "$out"; status=1; }

out=$(echo "$files" | xargs -P 2 -n 4 clang-tidy -p "$build" --quiet 2>/dev/null |
	grep -E "(warning|error):" | sort -u)
[ -z "$out" ] || { echo "$out"; status=1; }

n=$(echo "$files" | wc -w)
if [ $status -eq 0 ]; then
	echo "lint: cppcheck and clang-tidy clean on $n files"
fi
exit $status
