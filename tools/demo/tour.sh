#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: a tour of amod across processes. Starts amodd with the sample audio device, then
# plays the app with the amod tool: lists the modules, reads and changes parameters, watches
# the notifications arrive, shows a refused command, and stops amodd. Exits 0 when all of it
# behaved as described.
#
# usage: tour.sh AMODD AMOD
set -eu

AMODD=$1
AMOD=$2
MODULE0=E24C8B6F-EDE7-4255-8B39-77976015D593   # SYSVAD's "generic system module"
METER=6B0F1C3A-7D2E-4A59-B8E1-2C4D5E6F7A81     # the sample's level meter
DETECTOR=9E3D2C1B-0A4F-4B6E-8D7C-5F1A2B3C4D91  # the sample's keyword detector

tmp=$(mktemp -d)
AMOD_SOCKET=$tmp/amodd.sock
export AMOD_SOCKET
amodd_pid=
monitor_pid=

cleanup() {
	[ -n "$monitor_pid" ] && kill "$monitor_pid" 2>/dev/null || true
	[ -n "$amodd_pid" ] && kill "$amodd_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$(printf '\033[1m') plain=$(printf '\033[0m')
else
	bold= plain=
fi

step() {
	printf '\n%s== %s%s\n' "$bold" "$*" "$plain"
}

say() {
	printf '%s\n' "$*" | fold -s -w 96
}

run() {
	printf '$ amod %s\n' "$*"
	"$AMOD" "$@"
}

fail() {
	echo "tour: $*" >&2
	exit 1
}

# Starts "amod monitor ARGS" in the background, its output in $tmp/monitor.out, and waits until
# it is subscribed (it says "amod: watching ..." on stderr).
start_monitor() {
	: >"$tmp/monitor.out"
	: >"$tmp/monitor.err"
	printf '$ amod monitor %s &\n' "$*"
	"$AMOD" monitor "$@" >"$tmp/monitor.out" 2>"$tmp/monitor.err" &
	monitor_pid=$!
	i=0
	while ! grep -q watching "$tmp/monitor.err" && [ $i -lt 200 ]; do
		kill -0 "$monitor_pid" 2>/dev/null || break
		sleep 0.05
		i=$((i + 1))
	done
}

# Waits for the background monitor to finish (it exits after --count notifications).
finish_monitor() {
	i=0
	while kill -0 "$monitor_pid" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	kill -0 "$monitor_pid" 2>/dev/null && fail "the monitor did not get its notifications"
	wait "$monitor_pid" || fail "the monitor failed: $(cat "$tmp/monitor.err")"
	monitor_pid=
	sed 's/^/    /' "$tmp/monitor.out"
}

say "amod tour. An audio driver exposes \"audio modules\" (an equalizer, an echo canceller, a
level meter...). Apps find them, send them commands, and receive their notifications. On
Windows this is IPortClsNotifications and KSPROPSETID_AudioModule; amod does the same on Linux."

step "Start amodd, the host, with the sample audio device"
"$AMODD" --sample >"$tmp/amodd.log" 2>&1 &
amodd_pid=$!
i=0
while [ ! -S "$AMOD_SOCKET" ]; do
	kill -0 "$amodd_pid" 2>/dev/null || fail "amodd did not start: $(cat "$tmp/amodd.log")"
	[ $i -lt 200 ] || fail "amodd did not create its socket"
	sleep 0.05
	i=$((i + 1))
done
say "amodd serves $AMOD_SOCKET (pid $amodd_pid)."

step "1. What devices and modules are there?"
run list

step "2. One endpoint in full"
say "Each endpoint has a notification device id: every notification its modules send carries
it, so an app can tell where a notification came from."
run info speaker

step "3. Read a parameter of the generic module"
say "Modules speak a vendor protocol inside KSPROPERTY_AUDIOMODULE_COMMAND. The sample uses
SYSVAD's: a verb (get, set, basic support) and a parameter id."
run get $MODULE0 0 0 --device speaker
run support $MODULE0 0 0 --device speaker

step "4. Change it, and watch the notification arrive"
start_monitor --device speaker --class $MODULE0 --count 1
run set $MODULE0 0 0 2 --device speaker
finish_monitor
run get $MODULE0 0 0 --device speaker

step "5. A value the module does not accept is refused"
printf '$ amod set %s 0 0 3 --device speaker\n' $MODULE0
status=0
"$AMOD" set $MODULE0 0 0 3 --device speaker 2>&1 || status=$?
[ $status -eq 1 ] || fail "expected the module to refuse 3 (exit 1), got exit $status"
say "(exit status 1: the module answered STATUS_INVALID_PARAMETER, and no notification was
sent.)"

step "6. A level meter: notifications are how a driver pushes data to apps"
say "Turn the sample's level meter on at 10 updates per second and watch five of them: peak and
RMS levels of a generated test signal, computed in the driver and sent through
IPortClsNotifications::SendNotification."
start_monitor --device speaker --class $METER --count 5
run set $METER 0 0 10 --device speaker
finish_monitor
run set $METER 0 0 0 --device speaker

step "7. A keyword detector raises a different kind of event"
start_monitor --device headphone --event 6389D844-BB32-4C4C-A802-F4B4B77AFEAD --count 1
run set $DETECTOR 0 1 1 --device headphone
finish_monitor

step "8. Stop amodd"
kill -TERM "$amodd_pid"
wait "$amodd_pid" || fail "amodd did not stop cleanly"
amodd_pid=
[ ! -e "$AMOD_SOCKET" ] || fail "amodd left its socket behind"
say "amodd stopped cleanly and removed its socket. Next: man amod, man amodd, and the README."
