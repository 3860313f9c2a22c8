"""Drives the mikrobill RouterOS simulator with an independent client (PyPI `librouteros`).

Usage: conformance.py SIM_COMMAND... [--bench]

Starts the simulator command with three routers (7.18 with API-SSL, 6.49, 6.40) on free
ports, checks that librouteros can log in and use every simulated menu the way billing
does, prints a summary, and exits 1 on any mismatch. With --bench it also times the
baseline this project quotes: 1,000 hotspot users added one round trip at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

import librouteros
from librouteros.exceptions import TrapError
from librouteros.login import plain, token
from librouteros.query import Key, Or

USER, PASSWORD = "admin", "conf-secret"
RESULTS: list[tuple[str, bool, str]] = []
CHECKS: list = []


def check(name):
    """Registers a check; a raised exception is a reported mismatch."""

    def register(fn):
        def run(sim):
            try:
                fn(sim)
                RESULTS.append((name, True, ""))
            except Exception as e:  # noqa: BLE001
                detail = f"{type(e).__name__}: {e}"
                if os.environ.get("CONFORMANCE_VERBOSE"):
                    detail += "\n" + traceback.format_exc()
                RESULTS.append((name, False, detail))

        CHECKS.append(run)
        return run

    return register


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


class Sim:
    def __init__(self, cmd: list[str]):
        self.dir = tempfile.mkdtemp(prefix="ros-conf-")
        cfg = os.path.join(self.dir, "routers.toml")
        with open(cfg, "w") as f:
            f.write(
                f"""
[[router]]
name = "v7"
listen = "127.0.0.1:0"
tls_listen = "127.0.0.1:0"
user = "{USER}"
password = "{PASSWORD}"
ros_version = "7.18"

[[router]]
name = "v649"
listen = "127.0.0.1:0"
user = "{USER}"
password = "{PASSWORD}"
ros_version = "6.49"

[[router]]
name = "v640"
listen = "127.0.0.1:0"
user = "{USER}"
password = "{PASSWORD}"
ros_version = "6.40"
"""
            )
        self.proc = subprocess.Popen(
            cmd + ["--config", cfg, "--control-listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"simulator exited early with {self.proc.wait()}")
        info = json.loads(line)
        self.control = info["control"]
        self.routers = {r["name"]: r for r in info["routers"]}

    def port(self, name, tls=False):
        return int(self.routers[name]["tls_addr" if tls else "addr"].rsplit(":", 1)[1])

    def ctl(self, router, action, body=None):
        data = json.dumps(body or {}).encode()
        req = urllib.request.Request(
            f"http://{self.control}/routers/{router}/{action}", data=data, method="POST"
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def connect(sim, name, login=plain, password=PASSWORD, **kw):
    return librouteros.connect(
        "127.0.0.1", USER, password, port=kw.pop("port", sim.port(name)), login_method=login, timeout=5, **kw
    )


@check("plain login (RouterOS 7.18) and /system/identity")
def _(s):
    api = connect(s, "v7")
    rows = tuple(api("/system/identity/print"))
    expect(rows == ({"name": "v7"},), rows)

@check("wrong password is a trap, not a session")
def _(s):
    try:
        connect(s, "v7", password="nope")
    except TrapError as e:
        expect("invalid user name or password" in str(e), str(e))
        return
    raise AssertionError("login with a wrong password succeeded")

@check("MD5 challenge login on 6.49 and 6.40; plain login on 6.49")
def _(s):
    for name in ("v649", "v640"):
        api = connect(s, name, login=token)
        expect(tuple(api("/system/identity/print"))[0]["name"] == name, name)
    api = connect(s, "v649", login=plain)
    expect(tuple(api("/system/identity/print"))[0]["name"] == "v649", "plain on 6.49")

@check("/system/resource has version and uptime")
def _(s):
    r = tuple(connect(s, "v7").path("system", "resource"))[0]
    expect(str(r["version"]).startswith("7.18"), r)
    expect("uptime" in r and "board-name" in r, r)

@check("hotspot user add/print/set/remove with ids and comment markers")
def _(s):
    api = connect(s, "v7")
    users = api.path("ip", "hotspot", "user")
    uid = users.add(name="VC0001", password="VC0001", profile="default",
                    **{"limit-uptime": "1h", "comment": "VOUCHER_SYSTEM|5000.00|0|0"})
    expect(uid.startswith("*"), uid)
    row = [u for u in users if u["name"] == "VC0001"][0]
    expect(row[".id"] == uid and row["comment"] == "VOUCHER_SYSTEM|5000.00|0|0", row)
    expect(row["limit-uptime"] == "1h" and row["disabled"] is False, row)
    users.update(**{".id": uid, "comment": "VOUCHER_SYSTEM|5000.00|1|2", "disabled": True})
    row = [u for u in users if u[".id"] == uid][0]
    expect(row["comment"] == "VOUCHER_SYSTEM|5000.00|1|2" and row["disabled"] is True, row)
    users.remove(uid)
    expect(not [u for u in users if u[".id"] == uid], "removed")

@check("duplicate name, unknown profile and unknown id are traps")
def _(s):
    users = connect(s, "v7").path("ip", "hotspot", "user")
    users.add(name="dup", password="x")
    for kwargs, needle in (
        ({"name": "dup", "password": "x"}, "already"),
        ({"name": "p2", "profile": "nope"}, "profile"),
    ):
        try:
            users.add(**kwargs)
            raise AssertionError(f"add {kwargs} succeeded")
        except TrapError as e:
            expect(needle in str(e), str(e))
    try:
        users.remove("*FFFF")
        raise AssertionError("remove of unknown id succeeded")
    except TrapError as e:
        expect("no such item" in str(e), str(e))

@check("queries: proplist, equality, Or, In, != (stack operators)")
def _(s):
    api = connect(s, "v7")
    users = api.path("ip", "hotspot", "user")
    for n in ("qa", "qb", "qc"):
        users.add(name=n, password=n, comment="Q")
    name, comment = Key("name"), Key("comment")
    got = tuple(users.select(name).where(name == "qb"))
    expect(got == ({"name": "qb"},), got)
    got = sorted(r["name"] for r in users.select(name).where(Or(name == "qa", name == "qc")))
    expect(got == ["qa", "qc"], got)
    got = sorted(r["name"] for r in users.select(name).where(name.In("qa", "qb")))
    expect(got == ["qa", "qb"], got)
    got = sorted(r["name"] for r in users.select(name, comment).where(comment == "Q", name != "qa"))
    expect(got == ["qb", "qc"], got)

@check("empty print: !empty on 7.18 and plain !done on 6.x both read as no rows")
def _(s):
    for router, login in (("v7", plain), ("v649", plain), ("v640", token)):
        rows = tuple(connect(s, router, login=login).path("ppp", "active"))
        expect(rows == (), (router, rows))

@check("raw protocol: 7.18 sends !empty before !done, 6.49 does not")
def _(s):
    for router, want in (("v7", ["!empty", "!done"]), ("v649", ["!done"])):
        api = connect(s, router)
        api.protocol.writeSentence("/ppp/active/print")
        seen = []
        while not seen or seen[-1] != "!done":
            seen.append(api.protocol.readSentence()[0])
        expect(seen == want, (router, seen))

@check("PPPoE: disabling a secret keeps its session until /ppp/active remove")
def _(s):
    api = connect(s, "v7")
    secrets = api.path("ppp", "secret")
    sid = secrets.add(name="cust1", password="pw", service="pppoe", profile="default",
                      comment="PPPOE_SYSTEM|42")
    s.ctl("v7", "ppp/connect", {"name": "cust1", "password": "pw"})
    secrets.update(**{".id": sid, "disabled": True})
    active = api.path("ppp", "active")
    rows = [r for r in active if r["name"] == "cust1"]
    expect(len(rows) == 1 and rows[0]["service"] == "pppoe", rows)
    active.remove(rows[0][".id"])
    expect(not [r for r in active if r["name"] == "cust1"], "kicked")

@check("hotspot session: login via control API, limit-uptime ends it")
def _(s):
    api = connect(s, "v7")
    api.path("ip", "hotspot", "user").add(name="V1H", password="V1H", **{"limit-uptime": "1h"})
    s.ctl("v7", "hotspot/login", {"user": "V1H", "password": "V1H"})
    active = api.path("ip", "hotspot", "active")
    expect([r["user"] for r in active] == ["V1H"], "logged in")
    s.ctl("v7", "advance", {"secs": 3660})
    expect(not tuple(active), "session ended at limit-uptime")
    u = [r for r in api.path("ip", "hotspot", "user") if r["name"] == "V1H"][0]
    expect(u["uptime"] == "1h", u)

@check("operator drift made on the router is what the API prints")
def _(s):
    api = connect(s, "v7")
    profiles = api.path("ppp", "profile")
    pid = profiles.add(name="10M", **{"rate-limit": "10M/10M", "comment": "PPPOE_SYSTEM"})
    s.ctl("v7", "exec", {"words": ["/ppp/profile/set", f"=.id={pid}", "=rate-limit=1M/1M"]})
    row = [p for p in profiles if p[".id"] == pid][0]
    expect(row["rate-limit"] == "1M/1M", row)
    names = sorted(p["name"] for p in profiles)
    expect(names == ["10M", "default", "default-encryption"], names)

@check("API-SSL with the pinned certificate fingerprint")
def _(s):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    holder = {}

    def wrap(sock):
        tls = ctx.wrap_socket(sock)
        holder["der"] = tls.getpeercert(binary_form=True)
        return tls

    api = connect(s, "v7", port=s.port("v7", tls=True), ssl_wrapper=wrap)
    expect(tuple(api("/system/identity/print"))[0]["name"] == "v7", "identity over TLS")
    fp = hashlib.sha256(holder["der"]).hexdigest()
    expect(fp == s.routers["v7"]["tls_fingerprint"], (fp, s.routers["v7"]["tls_fingerprint"]))

@check("router offline then online again")
def _(s):
    s.ctl("v649", "offline")
    time.sleep(0.1)
    try:
        connect(s, "v649")
        raise AssertionError("connected to an offline router")
    except OSError:
        pass
    s.ctl("v649", "online")
    time.sleep(0.1)
    expect(tuple(connect(s, "v649")("/system/identity/print"))[0]["name"] == "v649", "back")


def main() -> int:
    args = sys.argv[1:]
    bench = "--bench" in args
    cmd = [a for a in args if a != "--bench"]
    if not cmd:
        print(__doc__)
        return 2
    sim = Sim(cmd)
    try:
        for fn in CHECKS:
            fn(sim)
        if bench:
            baseline(sim)
    finally:
        sim.stop()
    failed = [r for r in RESULTS if not r[1]]
    for name, ok, detail in RESULTS:
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f"\n      {detail}" if detail else ""))
    print(f"conformance: {len(RESULTS) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not RESULTS else 0


def baseline(sim: Sim) -> None:
    api = connect(sim, "v649")
    users = api.path("ip", "hotspot", "user")
    start = time.perf_counter()
    for i in range(1000):
        users.add(name=f"PYB{i:05}", password="x", profile="default")
    took = time.perf_counter() - start
    print(f"bench: python librouteros, 1000 hotspot user adds, one round trip each (rtt 0 ms): "
          f"{took:.3f} s ({1000 / took:.0f} adds/s)")
    sim.ctl("v649", "latency", {"ms": 2})
    start = time.perf_counter()
    for i in range(1000):
        users.add(name=f"PYL{i:05}", password="x", profile="default")
    took = time.perf_counter() - start
    sim.ctl("v649", "latency", {"ms": 0})
    print(f"bench: python librouteros, 1000 hotspot user adds, one round trip each (rtt 2 ms): "
          f"{took:.3f} s ({1000 / took:.0f} adds/s)")


if __name__ == "__main__":
    sys.exit(main())
