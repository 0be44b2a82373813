#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Transport tests with real processes: amodd hosting the sample device and a burst driver,
several amod-probe clients, raw sockets for malformed input, a foreign uid. Prints one line per
case and a cmocka-style summary ("[  PASSED  ] N test(s).") that make check counts."""
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

AMODD, PROBE, BURST = sys.argv[1:4]
# make check runs this file once more with amodd under valgrind (no leaks, no invalid access).
VALGRIND = ["valgrind", "--quiet", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect"] \
    if os.environ.get("AMOD_TEST_VALGRIND") == "1" else []

WIRE_HELLO, WIRE_LIST_DEVICES, WIRE_PROPERTY = 1, 2, 3
WIRE_HELLO_REPLY, WIRE_ERROR, WIRE_DEVICE_LIST = 64, 65, 66
STATUS_ACCESS_DENIED = 0xC0000022


class Skip(Exception):
    pass


class Amodd:
    def __init__(self, tmp, *args, ring="262144"):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "run", "amodd.sock")
        self.log = open(os.path.join(tmp, "amodd.log"), "ab")
        cmd = [*VALGRIND, AMODD, "--sample", "--driver", BURST, "--socket", self.sock,
               "--ring-size", ring, *args]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        deadline = time.time() + (60 if VALGRIND else 10)
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"amodd did not start: {self.stderr()}")
            time.sleep(0.02)

    def stderr(self):
        self.log.flush()
        with open(os.path.join(self.tmp, "amodd.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(60 if VALGRIND else 10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        if VALGRIND and self.proc.returncode == 99:
            raise AssertionError(f"valgrind found errors in amodd:\n{self.stderr()}")
        return self.proc.returncode


def env_for(amodd):
    e = dict(os.environ)
    e["AMOD_SOCKET"] = amodd.sock
    return e


def probe(amodd, *args, timeout=60, prefix=()):
    p = subprocess.run([*prefix, PROBE, *args], env=env_for(amodd), capture_output=True,
                       timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def start_probe(amodd, *args):
    return subprocess.Popen([PROBE, *args], env=env_for(amodd), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


def wait_file(path, proc=None, timeout=10):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"probe exited early: {proc.stderr.read().decode()}")
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {path}")
        time.sleep(0.02)


def finish(proc, timeout=60):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, fields(out.decode().strip().splitlines()[-1] if out.strip() else ""), err.decode()


def raw_connect(amodd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(amodd.sock)
    s.settimeout(5)
    return s


def msg(mtype, serial, body=b""):
    return struct.pack("<HHIII", mtype, 0, 16 + len(body), serial, 0) + body


def hello(s):
    s.send(msg(WIRE_HELLO, 1, struct.pack("<HHI", 1, 0, 0)))
    reply = s.recv(65536)
    assert struct.unpack_from("<H", reply)[0] == WIRE_HELLO_REPLY, reply


def closed(s):
    """True once the server has closed the session (an ERROR reply may come first)."""
    try:
        for _ in range(4):
            data = s.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


# ---- cases ------------------------------------------------------------------------------

def test_fanout_every_reader_in_order(tmp):
    d = Amodd(tmp)
    try:
        readers = []
        for i in range(4):
            ready = os.path.join(tmp, f"ready{i}")
            readers.append((start_probe(d, "monitor", "burst", "5000", "--ready", ready), ready))
        for p, ready in readers:
            wait_file(ready, p)
        rc, out, err = probe(d, "burst", "burst", "5000", "64", "20")
        assert rc == 0, err
        for p, _ in readers:
            rc, f, err = finish(p)
            assert rc == 0, err
            assert f["received"] == "5000" and f["dropped"] == "0", f
            assert f["ordered"] == "1" and f["payload_ok"] == "1", f
    finally:
        d.stop()


def test_stalled_reader_gets_exact_dropped_count(tmp):
    d = Amodd(tmp, ring="262144")
    try:
        fast_ready, slow_ready = os.path.join(tmp, "fast"), os.path.join(tmp, "slow")
        fast = start_probe(d, "monitor", "burst", "30000", "--ready", fast_ready)
        slow = start_probe(d, "monitor", "burst", "30000", "--ready", slow_ready,
                           "--stall", "10", "4000")
        wait_file(fast_ready, fast)
        wait_file(slow_ready, slow)
        t0 = time.time()
        rc, out, err = probe(d, "burst", "burst", "30000", "64", "100")
        assert rc == 0, err
        rc, ff, err = finish(fast)
        assert rc == 0, err
        burst_time = time.time() - t0
        rc, sf, err = finish(slow)
        assert rc == 0, err
        # The slow reader lost some and was told exactly how many; the order held.
        assert int(sf["dropped"]) > 0, sf
        assert int(sf["received"]) + int(sf["dropped"]) == 30000, sf
        assert sf["ordered"] == "1" and sf["payload_ok"] == "1", sf
        # The reader that kept up lost nothing: the stalled one did not slow the ring.
        assert ff["received"] == "30000" and ff["dropped"] == "0", ff
        print(f"    slow reader: received {sf['received']}, dropped {sf['dropped']}; "
              f"fast reader done {burst_time:.1f} s after the burst started")
    finally:
        d.stop()


def test_client_killed_mid_request(tmp):
    d = Amodd(tmp)
    try:
        for _ in range(20):
            s = raw_connect(d)
            hello(s)
            # A request, then gone without reading the reply.
            kp = struct.pack("<16sII", bytes.fromhex("B0FD34C075FFC847AA3CEE46716B50C6"), 1, 1)
            s.send(msg(WIRE_PROPERTY, 2, struct.pack("<IIII", 1, 0, 4096, len(kp)) + kp))
            s.close()
        p = start_probe(d, "burst", "burst", "100000", "64", "0")
        time.sleep(0.05)
        p.kill()
        p.wait()
        rc, out, err = probe(d, "list")
        assert rc == 0 and "speaker" in out and "burst" in out, (out, err)
        assert d.alive()
    finally:
        d.stop()


def test_amodd_killed_clients_see_disconnect(tmp):
    d = Amodd(tmp)
    ready = os.path.join(tmp, "ready")
    p = start_probe(d, "monitor", "burst", "1000000", "--ready", ready, "--expect-disconnect",
                    "--timeout", "30000")
    try:
        wait_file(ready, p)
        d.proc.kill()
        d.proc.wait()
        t0 = time.time()
        out, err = p.communicate(timeout=10)
        assert time.time() - t0 < 5, "client hung after amodd died"
        f = fields(out.decode().strip())
        assert f.get("disconnects") == "1", (out, err)
    finally:
        if p.poll() is None:
            p.kill()
        d.stop()


def test_reconnect_resumes_after_restart(tmp):
    d = Amodd(tmp)
    ready = os.path.join(tmp, "ready")
    p = start_probe(d, "monitor", "burst", "500", "--ready", ready, "--reconnect",
                    "--timeout", "30000")
    d2 = None
    try:
        wait_file(ready, p)
        d.proc.kill()
        d.proc.wait()
        time.sleep(0.3)
        d2 = Amodd(tmp)  # also takes over the stale socket the killed amodd left
        wait_file(ready + ".reconnected", p, timeout=15)
        rc, out, err = probe(d2, "burst", "burst", "500", "64", "50")
        assert rc == 0, err
        rc, f, err = finish(p)
        assert rc == 0, err
        assert f["received"] == "500" and f["reconnects"] == "1", f
        assert "stale socket" in d2.stderr(), d2.stderr()
    finally:
        if p.poll() is None:
            p.kill()
        d.stop()
        if d2:
            d2.stop()


def test_device_info_by_id(tmp):
    d = Amodd(tmp)
    try:
        rc, out, err = probe(d, "info", "burst")
        assert rc == 0, err
        f = fields(out)
        assert f["endpoint"] == "burst", f
        assert f["notification_id"] == "B0057000-0002-4000-8000-000000000002", f
        rc, out, err = probe(d, "info", f["id"])
        assert rc == 0 and fields(out)["endpoint"] == "burst", (out, err)
        rc, out, err = probe(d, "info", "999")
        assert rc == 3 and "No such file" in err, (rc, out, err)  # -ENOENT
    finally:
        d.stop()


def test_second_amodd_refused(tmp):
    d = Amodd(tmp)
    try:
        p = subprocess.run([AMODD, "--sample", "--socket", d.sock], capture_output=True,
                           timeout=20)
        assert p.returncode == 1, p
        assert b"already serving" in p.stderr, p.stderr
        assert d.alive()
        rc, out, err = probe(d, "list")
        assert rc == 0, err
    finally:
        d.stop()


def test_sigterm_clean_stop_tells_clients(tmp):
    d = Amodd(tmp)
    ready = os.path.join(tmp, "ready")
    p = start_probe(d, "monitor", "burst", "1000000", "--ready", ready, "--expect-disconnect",
                    "--timeout", "30000")
    try:
        wait_file(ready, p)
        rc = d.stop(signal.SIGTERM)
        assert rc == 0, d.stderr()
        assert not os.path.exists(d.sock), "socket left behind"
        rc, f, err = finish(p, timeout=10)
        assert rc == 0 and f["disconnects"] == "1", (rc, f, err)
    finally:
        if p.poll() is None:
            p.kill()


def as_nobody():
    if os.getuid() != 0:
        raise Skip("needs root to switch uid")
    for tool in ("/usr/bin/setpriv", "/bin/setpriv"):
        if os.path.exists(tool):
            return (tool, "--reuid=65534", "--regid=65534", "--clear-groups")
    raise Skip("setpriv not installed")


def open_up(d):
    # Let the filesystem through so amodd's own check (SO_PEERCRED) is what refuses.
    os.chmod(os.path.dirname(d.sock), 0o755)
    os.chmod(d.sock, 0o666)
    os.chmod(d.tmp, 0o755)


def test_foreign_uid_refused(tmp):
    prefix = as_nobody()
    d = Amodd(tmp)
    try:
        open_up(d)
        rc, out, err = probe(d, "list", prefix=prefix)
        assert rc == 13, (rc, out, err)
        assert "refused uid 65534" in d.stderr(), d.stderr()
        assert d.alive()
    finally:
        d.stop()


def test_monitor_group_may_list_not_command(tmp):
    prefix = as_nobody()
    d = Amodd(tmp, "--monitor-group", "65534")
    try:
        open_up(d)
        rc, out, err = probe(d, "modules", "speaker", prefix=prefix)
        assert rc == 0 and int(fields(out)["modules"]) >= 3, (rc, out, err)
        rc, out, err = probe(d, "burst", "burst", "1", "64", "0", prefix=prefix)
        assert rc == 13, (rc, out, err)
        assert "needs control access" in d.stderr(), d.stderr()
    finally:
        d.stop()


def test_malformed_frames_close_session_only(tmp):
    d = Amodd(tmp)
    try:
        bad = [
            b"\x01\x00\x00",                                   # truncated header
            msg(WIRE_HELLO, 1, b"\x01\x00")[:-1] + b"",        # size field != datagram
            struct.pack("<HHIII", 999, 0, 16, 1, 0),           # unknown type
            struct.pack("<HHIII", WIRE_HELLO, 1, 24, 1, 0) + b"\x01\x00\x00\x00\x00\x00\x00\x00",
            os.urandom(64),
            msg(WIRE_LIST_DEVICES, 3),                         # request before HELLO
        ]
        for b in bad:
            s = raw_connect(d)
            s.send(b)
            assert closed(s), b
            s.close()
        # After HELLO: garbage and an oversized datagram.
        s = raw_connect(d)
        hello(s)
        s.send(msg(WIRE_PROPERTY, 2, b"\x00" * 7))
        assert closed(s)
        s.close()
        s = raw_connect(d)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        hello(s)
        s.send(msg(WIRE_LIST_DEVICES, 2, b"\x00" * (260 * 1024)))
        assert closed(s)
        s.close()
        # File descriptors sent to amodd are refused too.
        s = raw_connect(d)
        hello(s)
        r, w = os.pipe()
        s.sendmsg([msg(WIRE_LIST_DEVICES, 3)], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                                 struct.pack("i", r))])
        os.close(r)
        os.close(w)
        assert closed(s)
        s.close()
        assert d.alive(), d.stderr()
        rc, out, err = probe(d, "list")
        assert rc == 0 and "speaker" in out, (out, err)
    finally:
        d.stop()


def main():
    cases = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    passed = failed = skipped = 0
    for name, fn in cases:
        with tempfile.TemporaryDirectory(prefix="amod-it-") as tmp:
            t0 = time.time()
            try:
                fn(tmp)
                passed += 1
                print(f"[       OK ] {name} ({time.time() - t0:.1f} s)", flush=True)
            except Skip as e:
                skipped += 1
                print(f"[  SKIPPED ] {name}: {e}", flush=True)
            except Exception:
                failed += 1
                print(f"[  FAILED  ] {name}", flush=True)
                traceback.print_exc()
                log = os.path.join(tmp, "amodd.log")
                if os.path.exists(log):
                    print("---- amodd log ----\n" + open(log).read(), flush=True)
    print(f"[  PASSED  ] {passed} test(s).")
    if failed:
        print(f"[  FAILED  ] {failed} test(s), listed above")
    if skipped:
        print(f"[  SKIPPED ] {skipped} test(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
