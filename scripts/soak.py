#!/usr/bin/env python3
"""The soak's load generator and report (stdlib only; scripts/soak.sh starts the app).

Mixed traffic at a moderate rate against the sample policies, each class with the statuses it
asks for; anything else (another status, a refused or timed-out connection) is an error that
was not asked for. Samples the host's resident memory (every process of the `spin up` process
group) and the store's size (.spin/*.db*) as it goes, and the latencies of the first and last
windows (5 minutes each, or a fifth of a shorter run).

    python3 scripts/soak.py --url http://127.0.0.1:PORT --admin-key K --minutes 30 \
        --pgid PID --store-dir APP/.spin [--summary FILE]
"""
import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse

CITIES = ["oslo", "bergen", "lyon", "porto", "kyiv", "quito", "perth", "cairo"]


class Client:
    """One keep-alive connection; reconnects after an error."""

    def __init__(self, url):
        self.netloc = urllib.parse.urlsplit(url).netloc
        self.conn = None

    def call(self, method, path, headers=None, body=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.netloc, timeout=30)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed while idle: one fresh try.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
            except Exception:
                self.conn.close()
                self.conn = None
                raise


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls = []  # (t, class, status or None, ms)
        self.unasked = []

    def record(self, t, name, status, ms, ok, detail=""):
        with self.lock:
            self.calls.append((t, name, status, ms))
            if not ok:
                self.unasked.append((round(t, 1), name, status, detail[:200]))


def admin_json(client, key, method, path, body=None):
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    status, data = client.call(method, path, headers, json.dumps(body) if body is not None else None)
    return status, (json.loads(data) if data else None)


def rss_kb(pgid):
    """Resident memory of every process in the process group, in KiB."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # pgrp
                continue
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total


def load_average():
    """The machine's 1-minute load average: a shared machine's latencies follow it."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")


def store_bytes(store_dir):
    total = 0
    for name in os.listdir(store_dir) if os.path.isdir(store_dir) else []:
        if ".db" in name:
            total += os.path.getsize(os.path.join(store_dir, name))
    return total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--admin-key", required=True)
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--pgid", type=int, required=True)
    p.add_argument("--store-dir", required=True)
    p.add_argument("--sweep-seconds", type=float, default=60)
    p.add_argument("--summary")
    a = p.parse_args()

    setup = Client(a.url)
    keys = {}
    for plan, count in (("premium", 3), ("basic", 2)):
        for i in range(count):
            status, body = admin_json(setup, a.admin_key, "POST", "/admin/subscriptions",
                                      {"name": f"soak {plan} {i}", "scope": f"/products/{plan}"})
            assert status == 201, (status, body)
            keys.setdefault(plan, []).append(body["primaryKey"])

    rec = Recorder()
    start = time.monotonic()
    end = start + a.minutes * 60
    stop = threading.Event()
    samples = []  # (t, rss KiB, store bytes, load average)

    def paced(name, per_second, step):
        """Runs `step(client, i)` per_second times a second until the end."""
        client = Client(a.url)
        i = 0
        next_at = time.monotonic()
        while not stop.is_set() and time.monotonic() < end:
            t0 = time.monotonic()
            try:
                status, ok, detail = step(client, i)
            except Exception as e:  # a refused, reset or timed-out connection
                status, ok, detail = None, False, repr(e)
            ms = (time.monotonic() - t0) * 1000
            rec.record(t0 - start, name, status, ms, ok, detail)
            i += 1
            next_at += 1 / per_second
            delay = next_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                next_at = time.monotonic()

    def expect(statuses):
        def check(result):
            status, data = result
            return status, status in statuses, data.decode("utf-8", "replace")
        return check

    def premium(c, i):
        key = keys["premium"][i % 3]
        return expect({200})(c.call("GET", f"/weather/current/{CITIES[i % 8]}",
                                    {"Ocp-Apim-Subscription-Key": key}))

    def forecast(c, i):  # 8 cities x 3 days: mostly cache hits
        key = keys["premium"][i % 3]
        return expect({200})(c.call("GET", f"/weather/forecast/{CITIES[i % 8]}?days={1 + i % 3}",
                                    {"Ocp-Apim-Subscription-Key": key}))

    def basic(c, i):  # 1 a second against 10 a minute: mostly 429s, asked for
        return expect({200, 429})(c.call("GET", f"/weather/current/{CITIES[i % 8]}",
                                         {"Ocp-Apim-Subscription-Key": keys["basic"][i % 2]}))

    def keyless(c, i):  # no key: Azure's 401, asked for
        return expect({401})(c.call("GET", f"/weather/current/{CITIES[i % 8]}"))

    def bad_key(c, i):
        return expect({401})(c.call("GET", "/weather/current/oslo",
                                    {"Ocp-Apim-Subscription-Key": f"nope-{i}"}))

    def admin_reads(c, i):
        path = ["/admin/subscriptions", "/admin/usage", "/admin/apis"][i % 3]
        return expect({200})(c.call("GET", path, {"Authorization": f"Bearer {a.admin_key}"}))

    sweeps = {"counters": 0, "cache": 0, "deleted": 0}

    def sweeper():
        client = Client(a.url)
        while not stop.wait(a.sweep_seconds) and time.monotonic() < end:
            for route in ("counters", "cache"):
                cursor, done = "", False
                while not done:
                    t0 = time.monotonic()
                    try:
                        status, data = client.call(
                            "POST", f"/admin/{route}/sweep?cursor={urllib.parse.quote(cursor)}",
                            {"Authorization": f"Bearer {a.admin_key}"})
                        ok = status == 200
                        body = json.loads(data) if ok else {}
                        detail = data.decode("utf-8", "replace")
                    except Exception as e:
                        status, ok, body, detail = None, False, {}, repr(e)
                    rec.record(t0 - start, f"sweep-{route}", status,
                               (time.monotonic() - t0) * 1000, ok, detail)
                    if not ok:
                        break
                    sweeps["deleted"] += body.get("deleted", 0)
                    cursor, done = body.get("nextCursor") or "", body.get("done", True)
                sweeps[route] += 1

    def monitor():
        interval = max(5.0, a.minutes * 60 / 60)
        while True:
            t = time.monotonic() - start
            samples.append((t, rss_kb(a.pgid), store_bytes(a.store_dir), load_average()))
            mins = t / 60
            done = sum(1 for _ in rec.calls)
            print(f"soak: {mins:5.1f} min, {done} calls, {len(rec.unasked)} unasked errors, "
                  f"host RSS {samples[-1][1] / 1024:.0f} MiB, store {samples[-1][2] / 1024:.0f} KiB",
                  flush=True)
            if stop.wait(interval) or time.monotonic() >= end:
                t = time.monotonic() - start
                samples.append((t, rss_kb(a.pgid), store_bytes(a.store_dir), load_average()))
                return

    threads = [threading.Thread(target=paced, args=spec, daemon=True) for spec in [
        ("premium", 5, premium), ("premium-2", 5, premium), ("forecast", 5, forecast),
        ("basic", 1, basic), ("keyless", 1, keyless), ("bad-key", 0.5, bad_key),
        ("admin-read", 0.5, admin_reads),
    ]]
    threads += [threading.Thread(target=sweeper, daemon=True), threading.Thread(target=monitor, daemon=True)]
    for t in threads:
        t.start()
    try:
        while time.monotonic() < end:
            time.sleep(1)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=40)

    # The report.
    total = a.minutes * 60
    window = 300 if a.minutes >= 15 else total / 5
    traffic = [c for c in rec.calls if not c[1].startswith("sweep") and c[2] is not None]

    def pct(values, q):
        if not values:
            return float("nan")
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))]

    first = [c[3] for c in traffic if c[0] < window]
    last = [c[3] for c in traffic if c[0] >= total - window]
    by_class = {}
    for c in rec.calls:
        by_class.setdefault(c[1], {}).setdefault(str(c[2]), 0)
        by_class[c[1]][str(c[2])] += 1
    rss = [s[1] for s in samples]
    store = [s[2] for s in samples]
    label = "5 min" if window == 300 else f"{window / 60:.1f} min"
    lines = [
        f"| Measure | First {label} | Last {label} |",
        "|---|---|---|",
        f"| Calls | {len(first)} | {len(last)} |",
        f"| p50 latency | {pct(first, 0.5):.1f} ms | {pct(last, 0.5):.1f} ms |",
        f"| p99 latency | {pct(first, 0.99):.1f} ms | {pct(last, 0.99):.1f} ms |",
        "",
        "| Measure | Value |",
        "|---|---|",
        f"| Duration | {a.minutes:g} min |",
        f"| Calls | {len(rec.calls)} ({len(rec.calls) / total:.1f}/s) |",
        f"| Errors not asked for | {len(rec.unasked)} |",
        f"| Statuses by class | {'; '.join(f'{k}: ' + ', '.join(f'{s}×{n}' for s, n in sorted(v.items())) for k, v in sorted(by_class.items()))} |",
        f"| Sweeps (counters, cache) | {sweeps['counters']}, {sweeps['cache']}; {sweeps['deleted']} keys deleted |",
        f"| Host RSS (spin up + trigger) | start {rss[0] / 1024:.0f} MiB, after 1/4 {rss[len(rss) // 4] / 1024:.0f} MiB, end {rss[-1] / 1024:.0f} MiB, max {max(rss) / 1024:.0f} MiB |",
        f"| Store (.spin/*.db*) | start {store[0] / 1024:.0f} KiB, after 1/4 {store[len(store) // 4] / 1024:.0f} KiB, end {store[-1] / 1024:.0f} KiB, max {max(store) / 1024:.0f} KiB |",
    ]
    # The run in ten slices: latency, memory, store and the machine's load side by side.
    lines += ["", "| Slice | Calls | p50 | p99 | Host RSS | Store | Load average |", "|---|---|---|---|---|---|---|"]
    for k in range(10):
        lo, hi = total * k / 10, total * (k + 1) / 10
        ms = [c[3] for c in traffic if lo <= c[0] < hi]
        near = [x for x in samples if lo <= x[0] < hi] or samples[-1:]
        lines.append(
            f"| {lo / 60:.1f}–{hi / 60:.1f} min | {len(ms)} | {pct(ms, 0.5):.1f} ms | {pct(ms, 0.99):.1f} ms "
            f"| {near[-1][1] / 1024:.0f} MiB | {near[-1][2] / 1024:.0f} KiB | {max(x[3] for x in near):.1f} |")
    report = "\n".join(lines)
    print()
    print(report)
    for e in rec.unasked[:20]:
        print("unasked:", e)
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(report + "\n")
            json.dump({"samples": samples, "unasked": rec.unasked[:100]}, f)
            f.write("\n")
    sys.exit(1 if rec.unasked else 0)


if __name__ == "__main__":
    main()
