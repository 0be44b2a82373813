#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""amod(1) against a real amodd --sample: every verb, text and --json, and the exit code of each
failure class. Prints one line per case and a cmocka-style summary ("[  PASSED  ] N test(s).")
that make check counts."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

AMOD, AMODD = sys.argv[1:3]
# The test driver of tests/integration (a "slow" device whose module can report that its
# device is not available), for exit status 5.
BURST = sys.argv[3] if len(sys.argv) > 3 else None

MODULE0 = "E24C8B6F-EDE7-4255-8B39-77976015D593"
MODULE1 = "5CE55C8E-84DF-4317-98C7-792DE83366CC"
MODULE2 = "CC2A9527-19D9-4784-8DD4-6C1FE01E3726"
METER = "6B0F1C3A-7D2E-4A59-B8E1-2C4D5E6F7A81"
SPEAKER_ID = "C01C987A-30A9-4DB7-8D69-696CFF41E4B9"
HEADPHONE_ID = "3A66BE17-5440-48E7-8376-B75A0B1A922D"
GUID_RE = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
GET_P0 = "01000000 00000000"     # SYSVAD Verb GET, ParameterId 0


class Skip(Exception):
    pass


class Amodd:
    def __init__(self, tmp, *extra):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "run", "amodd.sock")
        self.log = open(os.path.join(tmp, "amodd.log"), "ab")
        # One left by a killed amodd would look like the new one being ready.
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        self.proc = subprocess.Popen([AMODD, "--sample", "--socket", self.sock, *extra],
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"amodd did not start: {self.stderr()}")
            time.sleep(0.02)

    def stderr(self):
        self.log.flush()
        with open(os.path.join(self.tmp, "amodd.log"), "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def env_for(sock):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.pop("AMOD_DEBUG", None)
    if sock:
        e["AMOD_SOCKET"] = sock
    return e


def amod(d, *args, stdin=None, sock=None, timeout=60):
    """Runs amod against amodd d (or sock); returns (rc, stdout bytes, stderr text)."""
    p = subprocess.run([AMOD, *args], env=env_for(sock or (d.sock if d else None)),
                       input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def ok(d, *args, **kw):
    rc, out, err = amod(d, *args, **kw)
    assert rc == 0, f"amod {' '.join(args)}: rc {rc}: {err}"
    return out.decode()


def ok_json(d, *args, **kw):
    return json.loads(ok(d, *args, "--json", **kw))


def fails(d, code, *args, expect=None, **kw):
    rc, out, err = amod(d, *args, **kw)
    assert rc == code, f"amod {' '.join(args)}: rc {rc}, expected {code}: {err}"
    if expect:
        assert expect in err, f"amod {' '.join(args)}: '{expect}' not in: {err}"
    return err


class Monitor:
    """amod monitor in the background, its stdout read line by line."""

    def __init__(self, d, *args, sock=None):
        self.proc = subprocess.Popen([AMOD, "monitor", *args],
                                     env=env_for(sock or d.sock),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.decode())
                self.cond.notify_all()

    def wait_lines(self, n, trigger=None, timeout=20):
        """Waits for n lines, calling trigger() every 100 ms meanwhile (the monitor gives no
        sign that it has subscribed: the trigger repeats until the first line shows it has)."""
        deadline = time.time() + timeout
        while True:
            with self.cond:
                if len(self.lines) >= n:
                    return list(self.lines)
                if self.proc.poll() is not None and not self.reader.is_alive():
                    raise AssertionError(f"monitor exited {self.proc.returncode}: "
                                         f"{self.proc.stderr.read().decode()}")
            if time.time() > deadline:
                self.kill()
                raise AssertionError(f"timed out waiting for {n} lines: {self.lines}")
            if trigger:
                trigger()
            with self.cond:
                self.cond.wait(0.1)

    def wait_for(self, pred, timeout=20):
        """Waits for a line that pred accepts."""
        deadline = time.time() + timeout
        with self.cond:
            while not any(pred(l) for l in self.lines):
                if time.time() > deadline or (self.proc.poll() is not None and
                                              not self.reader.is_alive()):
                    self.kill()
                    raise AssertionError(f"no such line: {self.lines}")
                self.cond.wait(0.1)
            return list(self.lines)

    def finish(self, timeout=20):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"monitor did not exit: {self.lines}")
        self.reader.join(5)
        return self.proc.returncode, list(self.lines), self.proc.stderr.read().decode()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def toggler(d, device="speaker"):
    """A trigger that changes Module0 parameter 0 (1, 2, 5, ...): each call notifies."""
    values = iter(["1", "2", "5"] * 1000)

    def trigger():
        ok(d, "set", MODULE0, "0", "0", next(values), "--device", device)
    return trigger


def has_meter(d):
    mods = [m["class_id"] for dev in ok_json(d, "list")["devices"] for m in dev["modules"]]
    return METER in mods


# ---- list / info --------------------------------------------------------------------------

def test_list_text(tmp):
    d = Amodd(tmp)
    try:
        out = ok(d, "list")
        assert "speaker" in out and "headphone" in out, out
        assert SPEAKER_ID in out and HEADPHONE_ID in out, out
        assert MODULE0 in out and MODULE1 in out and MODULE2 in out, out
        assert "Generic system module" in out, out
        assert "{" not in out and MODULE0.lower() not in out, out
    finally:
        d.stop()


def test_list_json(tmp):
    d = Amodd(tmp)
    try:
        j = ok_json(d, "list")
        devs = {dev["endpoint_id"]: dev for dev in j["devices"]}
        assert set(devs) == {"speaker", "headphone"}, devs.keys()
        assert devs["speaker"]["notification_id"] == SPEAKER_ID
        assert devs["headphone"]["notification_id"] == HEADPHONE_ID
        assert devs["speaker"]["name"] == "Speaker"
        sysvad = {MODULE0, MODULE1, MODULE2}
        # SYSVAD's three templates per endpoint (spec §3.5), whatever else is added.
        assert sum(m["class_id"] in sysvad for m in devs["speaker"]["modules"]) == 3
        assert sum(m["class_id"] in sysvad for m in devs["headphone"]["modules"]) == 3
        for dev in j["devices"]:
            assert GUID_RE.match(dev["notification_id"]), dev
            assert isinstance(dev["id"], int) and dev["module_aware"] is True
            for m in dev["modules"]:
                assert GUID_RE.match(m["class_id"]), m
                assert isinstance(m["instance_id"], int) and m["version"], m
        eq = [m for m in devs["speaker"]["modules"] if m["class_id"] == MODULE1]
        assert sorted(m["instance_id"] for m in eq) == [0, 0x01000000], eq
        # --device narrows it down, and global options may follow the verb.
        one = json.loads(ok(None, "list", "--device", "headphone", "--json", "--socket", d.sock))
        assert [x["endpoint_id"] for x in one["devices"]] == ["headphone"], one
    finally:
        d.stop()


def test_info_device(tmp):
    d = Amodd(tmp)
    try:
        out = ok(d, "info", "speaker")
        assert SPEAKER_ID in out and MODULE0 in out, out
        by_guid = ok_json(d, "info", "{" + SPEAKER_ID.lower() + "}")
        assert by_guid["endpoint_id"] == "speaker", by_guid
        assert by_guid["notification_device_id"] == SPEAKER_ID, by_guid
        assert len(by_guid["modules"]) >= 3, by_guid
        by_number = ok_json(d, "info", str(by_guid["id"]))
        assert by_number["endpoint_id"] == "speaker", by_number
    finally:
        d.stop()


def test_info_module(tmp):
    d = Amodd(tmp)
    try:
        j = ok_json(d, "info", MODULE0, "0", "--device", "speaker")
        assert j["class_id"] == MODULE0 and j["instance_id"] == 0, j
        assert j["device"]["endpoint_id"] == "speaker" and j["version"] == "1.0", j
        params = j["parameters"]
        assert [p["id"] for p in params] == [0, 1], params
        assert params[0]["type"] == "VT_UI4" and params[0]["valid_values"] == [1, 2, 5], params
        assert params[0]["access"] == ["GET", "SET", "BASICSUPPORT"], params
        assert params[1]["type"] == "VT_UI1" and params[1]["access"] == ["GET", "BASICSUPPORT"]
        out = ok(d, "info", MODULE0, "0", "--device", "speaker")
        assert "VT_UI4" in out and "1, 2, 5" in out and "Generic system module" in out, out
        # Without an instance: every instance of the class, on every device.
        allof = ok_json(d, "info", MODULE0.lower())
        assert sorted(m["device"]["endpoint_id"] for m in allof["modules"]) == \
            ["headphone", "speaker"], allof
        eq = ok_json(d, "info", MODULE1, "--device", "speaker")
        assert sorted(m["instance_id"] for m in eq["modules"]) == [0, 0x01000000], eq
        # An instance on one device only needs no --device.
        ec = ok_json(d, "info", MODULE2, "0")
        assert ec["device"]["endpoint_id"] == "headphone", ec
    finally:
        d.stop()


# ---- send ---------------------------------------------------------------------------------

def test_send_hex_file_stdin_raw(tmp):
    d = Amodd(tmp)
    try:
        out = ok(d, "send", MODULE0, "0", "--hex", GET_P0, "--device", "speaker")
        assert "STATUS_SUCCESS" in out and "0x00000000" in out, out
        assert "4 bytes" in out and "00 00 00 00" in out, out
        raw = amod(d, "send", MODULE0, "0", "--hex", GET_P0, "--device", "speaker", "--raw")
        assert raw[0] == 0 and raw[1] == b"\x00" * 4, raw
        path = os.path.join(tmp, "cmd.bin")
        with open(path, "wb") as f:
            f.write(bytes.fromhex(GET_P0.replace(" ", "")))
        j = ok_json(d, "send", MODULE0, "0", "--file", path, "--device", "speaker")
        assert j["status"] == "STATUS_SUCCESS" and j["reply"] == "00000000", j
        assert j["information"] == 4, j
        j = ok_json(d, "send", MODULE0, "0", "-", "--device", "speaker",
                    stdin=bytes.fromhex(GET_P0.replace(" ", "")))
        assert j["reply"] == "00000000", j
        # Size negotiation: no room at first, the module says 4, amod asks again.
        j = ok_json(d, "send", MODULE0, "0", "--hex", "01:00:00:00:00:00:00:00",
                    "--max-reply", "0", "--device", "speaker")
        assert j["status"] == "STATUS_SUCCESS" and j["reply"] == "00000000", j
        # The worked example (spec §3.9) as raw bytes: SET parameter 0 := 2.
        ok(d, "send", MODULE0, "0", "--hex", "02000000 00000000 02000000", "--device",
           "speaker")
        raw = amod(d, "send", MODULE0, "0", "--hex", GET_P0, "--device", "speaker", "--raw")
        assert raw[1] == b"\x02\x00\x00\x00", raw
        # A failure status: printed, and exit 1.
        rc, out, err = amod(d, "send", MODULE0, "0", "--hex", "01000000 09000000",
                            "--device", "speaker")
        assert rc == 1 and b"STATUS_INVALID_PARAMETER" in out, (rc, out, err)
        assert "STATUS_INVALID_PARAMETER" in err, err
    finally:
        d.stop()


# ---- get / set / support ------------------------------------------------------------------

def test_set_get_worked_example(tmp):
    d = Amodd(tmp)
    try:
        ok(d, "set", MODULE0, "0", "0", "2", "--device", "speaker")
        assert ok(d, "get", MODULE0, "0", "0", "--device", "speaker").strip() == "2"
        j = ok_json(d, "get", MODULE0, "0", "0", "--device", "speaker")
        assert j["value"] == 2 and j["size"] == 4 and j["hex"] == "02000000", j
        # The headphone's Module0 is another module: untouched.
        assert ok(d, "get", MODULE0, "0", "0", "--device", "headphone").strip() == "0"
        # 0x hex values, and a 1-byte parameter (Module1 P0, VT_UI1) learns its size.
        ok(d, "set", MODULE1, "0", "0", "0x1", "--device", "speaker")
        j = ok_json(d, "get", MODULE1, "0", "0", "--device", "speaker")
        assert j["value"] == 1 and j["size"] == 1, j
        # An 8-byte read-only parameter reads as a number.
        j = ok_json(d, "get", MODULE1, "0", "1", "--device", "speaker")
        assert j["size"] == 8 and j["value"] == 0, j
    finally:
        d.stop()


def test_set_refused_value(tmp):
    d = Amodd(tmp)
    try:
        err = fails(d, 1, "set", MODULE0, "0", "0", "3", "--device", "speaker",
                    expect="STATUS_INVALID_PARAMETER")
        assert "0xC000000D" in err, err
        # Read-only parameter: the module refuses SET.
        fails(d, 1, "set", MODULE0, "0", "1", "1", "--device", "speaker",
              expect="STATUS_INVALID_DEVICE_REQUEST")
        # A parameter past the table.
        fails(d, 1, "get", MODULE0, "0", "7", "--device", "speaker",
              expect="STATUS_INVALID_PARAMETER")
        # A value too big for the parameter's size is a usage error.
        fails(d, 2, "set", MODULE1, "0", "0", "300", "--device", "speaker", expect="300")
        assert ok(d, "get", MODULE0, "0", "0", "--device", "speaker").strip() == "0"
    finally:
        d.stop()


def test_guid_forms_accepted(tmp):
    d = Amodd(tmp)
    try:
        ok(d, "set", MODULE0, "0", "0", "5", "--device", "speaker")
        for g in (MODULE0, MODULE0.lower(), "{" + MODULE0 + "}", "{" + MODULE0.lower() + "}"):
            assert ok(d, "get", g, "0", "0", "--device", "speaker").strip() == "5", g
        for dev in (SPEAKER_ID.lower(), "{" + SPEAKER_ID + "}"):
            assert ok(d, "get", MODULE0, "0", "0", "--device", dev).strip() == "5", dev
    finally:
        d.stop()


def test_support(tmp):
    d = Amodd(tmp)
    try:
        out = ok(d, "support", MODULE0, "0", "0", "--device", "speaker")
        assert "GET SET BASICSUPPORT" in out and "VT_UI4" in out, out
        assert "VALUES" in out and "1, 2, 5" in out, out
        j = ok_json(d, "support", MODULE0, "0", "0", "--device", "speaker")["support"]
        assert j["access_flags"] == 0x203 and j["type"] == "VT_UI4", j
        assert j["members"] == "VALUES" and j["size"] == 4 and j["members_count"] == 3, j
        assert j["valid_values"] == [1, 2, 5] and j["description_size"] == 40 + 16 + 12, j
        j = ok_json(d, "support", MODULE0, "0", "1", "--device", "speaker")["support"]
        assert j["access"] == ["GET", "BASICSUPPORT"] and j["type"] == "VT_UI1", j
        assert j["valid_values"] is None, j
        j = ok_json(d, "support", MODULE1, "0", "1", "--device", "speaker")["support"]
        assert j["type"] == "VT_UI8" and j["size"] == 8, j
        fails(d, 1, "support", MODULE0, "0", "2", "--device", "speaker",
              expect="STATUS_INVALID_PARAMETER")
    finally:
        d.stop()


# ---- monitor ------------------------------------------------------------------------------

def test_monitor_json_parameter_change(tmp):
    d = Amodd(tmp)
    try:
        m = Monitor(d, "--json", "--count", "1", "--device", "speaker", "--class", MODULE0)
        m.wait_lines(1, toggler(d))
        rc, lines, err = m.finish()
        assert rc == 0 and len(lines) == 1, (rc, lines, err)
        j = json.loads(lines[0])
        assert isinstance(j["sequence"], int) and j["sequence"] >= 1, j
        assert isinstance(j["timestamp_ns"], int) and j["timestamp_ns"] > 0, j
        assert j["device"] == "speaker" and j["device_id"] == SPEAKER_ID, j
        assert j["event"] == "AudioModule" and j["class_id"] == MODULE0, j
        assert j["instance_id"] == 0, j
        assert j["decoded"] == {"type": "parameter_changed", "parameter_id": 0}, j
        assert j["vendor_data"] == "0000000000000000", j
        assert len(j["payload"]) == 2 * 48, j
    finally:
        d.stop()


def test_monitor_text_hexdump(tmp):
    d = Amodd(tmp)
    try:
        m = Monitor(d, "--count", "2", "-x", "--class", MODULE0, "--timestamp", "delta")
        m.wait_lines(1, toggler(d, "headphone"))
        ok(d, "set", MODULE0, "0", "0", "2", "--device", "headphone")
        ok(d, "set", MODULE0, "0", "0", "1", "--device", "headphone")
        rc, lines, err = m.finish()
        assert rc == 0, (rc, err)
        text = "".join(lines)
        events = [l for l in lines if "AudioModule" in l]
        assert len(events) == 2, text
        assert all("headphone" in l and f"{MODULE0}/0" in l and "parameter 0 changed" in l
                   for l in events), text
        assert re.search(r"^\d+  \+\d+\.\d{6}  headphone", events[0]), text
        assert "00000000 " in text and "00000020 " in text, text   # 48 bytes, 3 rows
    finally:
        d.stop()


def test_monitor_meter(tmp):
    d = Amodd(tmp)
    try:
        if not has_meter(d):
            raise Skip(f"no level meter ({METER}) on the sample device yet")
        m = Monitor(d, "--json", "--class", METER)
        time.sleep(0.3)
        ok(d, "set", METER, "0", "0", "20", "--device", "speaker")

        def levels(lines):
            js = [json.loads(l) for l in lines]
            # Setting the rate is itself a parameter change: not a level.
            return [j for j in js if j.get("decoded", {}).get("type") != "parameter_changed"]
        deadline = time.time() + 20
        while len(levels(m.wait_lines(1))) < 3 and time.time() < deadline:
            time.sleep(0.05)
        m.proc.send_signal(signal.SIGINT)
        rc, lines, err = m.finish()
        assert rc == 0 and len(levels(lines)) >= 3, (rc, lines, err)
        seqs = []
        for j in levels(lines):
            seqs.append(j["sequence"])
            assert j["class_id"] == METER and j["device"] == "speaker", j
            dec = j["decoded"]
            assert dec["type"] == "level" and len(dec["channels"]) == 2, j
            for ch in dec["channels"]:
                assert isinstance(ch["peak_db"], float) and isinstance(ch["rms_db"], float), ch
                assert ch["peak_mdb"] <= 0 and ch["rms_mdb"] <= ch["peak_mdb"], ch
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
        out = subprocess.run([AMOD, "monitor", "--count", "3", "--class", METER],
                             env=env_for(d.sock), capture_output=True, timeout=30)
        text = out.stdout.decode()
        assert out.returncode == 0, out.stderr
        assert re.search(r"peak L -?\d+\.\d\d dB rms L -?\d+\.\d\d dB \| peak R ", text), text
    finally:
        d.stop()


def test_monitor_class_filter(tmp):
    d = Amodd(tmp)
    try:
        meter = has_meter(d)
        if meter:
            # Noise the filter must keep out.
            ok(d, "set", METER, "0", "0", "50", "--device", "speaker")
        # Two classes and two instances: filtered on the client side.
        m = Monitor(d, "--json", "--class", MODULE2, "--class", MODULE0,
                    "--instance", "7", "--instance", "0")
        m.wait_lines(1, toggler(d))
        ok(d, "set", MODULE2, "0", "0", "1", "--device", "headphone")
        m.wait_for(lambda l: MODULE2 in l)
        m.proc.send_signal(signal.SIGINT)
        rc, lines, err = m.finish()
        assert rc == 0, (rc, lines, err)
        classes = [json.loads(l)["class_id"] for l in lines]
        assert set(classes) == {MODULE0, MODULE2}, classes
        # One class: the library's filter.
        m = Monitor(d, "--json", "--count", "1", "--class", MODULE2)
        m.wait_lines(1, lambda: (ok(d, "set", MODULE0, "0", "0", "2", "--device", "speaker"),
                                 ok(d, "set", MODULE2, "0", "0", "0xFFFFFFFE",
                                    "--device", "headphone"),
                                 ok(d, "set", MODULE2, "0", "0", "1", "--device",
                                    "headphone")))
        rc, lines, err = m.finish()
        assert rc == 0 and json.loads(lines[0])["class_id"] == MODULE2, (lines, err)
    finally:
        d.stop()


def test_monitor_sigint_exits_0(tmp):
    d = Amodd(tmp)
    try:
        m = Monitor(d, "--class", MODULE0)
        m.wait_lines(1, toggler(d))
        m.proc.send_signal(signal.SIGINT)
        rc, lines, err = m.finish()
        assert rc == 0, (rc, err)
    finally:
        d.stop()


def test_monitor_reconnect(tmp):
    d = Amodd(tmp)
    try:
        m = Monitor(d, "--reconnect", "--json", "--count", "2", "--class", MODULE0,
                    "--device", "speaker")
        m.wait_lines(1, toggler(d))
        d.stop(signal.SIGKILL)
        d = Amodd(tmp)
        m.wait_lines(2, toggler(d))
        rc, lines, err = m.finish()
        assert rc == 0 and "reconnected" in err, (rc, lines, err)
        assert json.loads(lines[1])["class_id"] == MODULE0
    finally:
        d.stop()


# ---- dump ---------------------------------------------------------------------------------

def test_dump_json(tmp):
    d = Amodd(tmp)
    try:
        ok(d, "set", MODULE0, "0", "0", "5", "--device", "speaker")
        for args in (("dump",), ("dump", "--json")):
            j = json.loads(ok(d, *args))
            assert j["socket"] == d.sock and "control" in j["access"], j
            devs = {dev["endpoint_id"]: dev for dev in j["devices"]}
            assert set(devs) == {"speaker", "headphone"}
            assert devs["speaker"]["notification_device_id"] == SPEAKER_ID
            m0 = [m for m in devs["speaker"]["modules"] if m["class_id"] == MODULE0][0]
            assert m0["parameters"][0]["value"] == 5, m0
            assert m0["parameters"][0]["valid_values"] == [1, 2, 5], m0
            m1 = [m for m in devs["speaker"]["modules"] if m["class_id"] == MODULE1]
            assert len(m1) == 2 and all(len(m["parameters"]) == 3 for m in m1), m1
    finally:
        d.stop()


# ---- exit codes ---------------------------------------------------------------------------

def test_exit_2_usage(tmp):
    d = Amodd(tmp)
    try:
        fails(d, 2, "frobnicate", expect="unknown verb 'frobnicate'")
        fails(d, 2, expect="missing verb")
        fails(d, 2, "get", "not-a-guid", "0", "0", expect="invalid class id 'not-a-guid'")
        fails(d, 2, "get", MODULE0 + "0", "0", "0", expect="invalid class id")
        fails(d, 2, "get", MODULE0, "0", expect="missing argument")
        fails(d, 2, "set", MODULE0, "0", "0", expect="CLASS INSTANCE PARAM VALUE")
        fails(d, 2, "list", "extra", expect="unexpected argument 'extra'")
        fails(d, 2, "list", "--bogus", expect="unknown option '--bogus'")
        fails(d, 2, "list", "--count", "3", expect="'--count' does not apply to 'list'")
        fails(d, 2, "get", MODULE0, "zero", "0", expect="invalid instance id 'zero'")
        fails(d, 2, "set", MODULE0, "0", "0", "-1", expect="invalid value")
        fails(d, 2, "monitor", "--timestamp", "sundial", expect="sundial")
        fails(d, 2, "monitor", "--class", "{nope}", expect="invalid class id")
        fails(d, 2, "send", MODULE0, "0", "--device", "speaker", expect="exactly one")
        fails(d, 2, "send", MODULE0, "0", "--hex", "0g", "--device", "speaker",
              expect="invalid hex")
        fails(d, 2, "list", "--timeout", expect="needs a value")
        # Found on several devices: which one is a question for the user.
        fails(d, 2, "get", MODULE0, "0", "0", expect="--device")
    finally:
        d.stop()


def test_exit_3_no_amodd(tmp):
    missing = os.path.join(tmp, "nowhere", "amodd.sock")
    err = fails(None, 3, "list", sock=missing, expect="amodd is not running at " + missing)
    assert "amodd --sample" in err, err
    fails(None, 3, "monitor", "--socket", missing, expect="not running")
    fails(None, 3, "get", MODULE0, "0", "0", sock=missing)


def test_exit_4_no_such_device_or_module(tmp):
    d = Amodd(tmp)
    try:
        fails(d, 4, "info", "nosuch", expect="no such device 'nosuch'")
        fails(d, 4, "list", "--device", "nosuch", expect="no such device 'nosuch'")
        fails(d, 4, "get", MODULE0, "0", "0", "--device", "99", expect="no such device '99'")
        fails(d, 4, "monitor", "--device", "nosuch", expect="no such device")
        fails(d, 4, "get", MODULE0, "5", "0",
              expect=f"no module {MODULE0} instance 5 on any device")
        fails(d, 4, "send", MODULE0, "5", "--hex", GET_P0, "--device", "speaker",
              expect=f"no module {MODULE0} instance 5 on device 'speaker'")
        fails(d, 4, "info", "00000000-0000-0000-0000-000000000001", expect="no module")
    finally:
        d.stop()


def test_exit_5_device_not_available(tmp):
    if not BURST:
        raise Skip("no test driver given")
    d = Amodd(tmp, "--driver", BURST)
    try:
        # The slow module answers STATUS_INVALID_DEVICE_STATE to a delay of 0xFFFFFFFF ms.
        fails(d, 5, "send", "B0057000-0003-4000-8000-000000000003", "0", "--hex", "FFFFFFFF",
              "--device", "slow", expect="STATUS_INVALID_DEVICE_STATE")
    finally:
        d.stop()


def test_exit_6_connection_lost(tmp):
    for sig in (signal.SIGKILL, signal.SIGTERM):
        d = Amodd(tmp)
        try:
            m = Monitor(d, "--class", MODULE0)
            m.wait_lines(1, toggler(d))
            d.stop(sig)
            rc, lines, err = m.finish()
            assert rc == 6 and "connection to amodd lost" in err, (sig, rc, err)
        finally:
            d.stop()


def test_exit_124_timeout(tmp):
    # A listener that accepts and never answers the HELLO.
    path = os.path.join(tmp, "mute.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(path)
    srv.listen(8)
    held, stop = [], threading.Event()

    def accept():
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except socket.timeout:
                pass
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        t0 = time.time()
        fails(None, 124, "--socket", path, "--timeout", "300", "list",
              expect="timed out after 300 ms")
        assert time.time() - t0 < 10
        fails(None, 124, "get", MODULE0, "0", "0", "--timeout", "300", sock=path)
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        srv.close()


def test_exit_1_module_failure(tmp):
    d = Amodd(tmp)
    try:
        fails(d, 1, "get", MODULE0, "0", "9", "--device", "speaker",
              expect="STATUS_INVALID_PARAMETER (0xC000000D)")
        fails(d, 1, "set", MODULE2, "0", "0", "0", "--device", "headphone",
              expect="STATUS_INVALID_PARAMETER")
    finally:
        d.stop()


def test_help_for_every_verb(tmp):
    verbs = ["list", "info", "send", "get", "set", "support", "monitor", "dump"]
    out = ok(None, "--help")
    for v in verbs:
        assert v in out, (v, out)
    for v in verbs:
        for args in ((v, "--help"), ("--help", v), (v, "-h")):
            text = ok(None, *args)
            assert f"amod {v}" in text, (args, text)
    assert ok(None, "--version").startswith("amod ")


def main():
    cases = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    passed = failed = skipped = 0
    for name, fn in cases:
        with tempfile.TemporaryDirectory(prefix="amod-cli-") as tmp:
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
