#!/usr/bin/env python3
"""The GET /admin/analytics report, from Tollgate's JSON access log.

Reads the one-line-per-call log that `spin up` writes to .spin/logs/tollgate_stdout.txt
(or any files of those lines, or stdin with `-`) and prints the same rows as the admin route:
per bucket of time and group, calls, responses by status class (a limit's 429 and 403 also
apart), latency p50/p95/p99 from the same log-scale histogram, bytes in and out.

  scripts/analytics.sh [--interval minute|hour|day] [--by api|operation|product|subscription]
                       [--from 2026-11-27T12:00:00Z] [--to ...] [--csv] [FILE ...]

Latency here is the log's totalMs (until the log line, after the post-response bookkeeping);
the admin route's is until the response was handed over, so it can be a bucket lower.
"""
import argparse, datetime, glob, json, sys

BUCKETS = 18
WIDTH = {"minute": 60_000, "hour": 3_600_000, "day": 86_400_000}
LIMITS = {"RateLimitExceeded", "QuotaExceeded"}
HEADER = "start,group,calls,2xx,3xx,4xx,5xx,limited429,limited403,p50Ms,p95Ms,p99Ms,bytesIn,bytesOut"


def millis(text):
    if len(text) == 10:
        text += "T00:00:00Z"
    when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(when.timestamp() * 1000)


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def bucket(ms):
    return 0 if ms <= 0 else min(int(ms).bit_length(), BUCKETS - 1)


def percentile(hist, p):
    total = sum(hist)
    if total == 0:
        return None
    rank = max(1, -(-total * p // 100))
    seen = 0
    for b, count in enumerate(hist):
        seen += count
        if seen >= rank:
            return 1 << min(b, BUCKETS - 2)
    return 1 << (BUCKETS - 2)


def label(line, by):
    if by == "operation":
        return f"{line.get('api', '')}/{line.get('operation', '')}"
    return line.get(by, "") or ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", choices=WIDTH, default="minute")
    parser.add_argument("--by", choices=["api", "operation", "product", "subscription"], default="api")
    parser.add_argument("--from", dest="start")
    parser.add_argument("--to", dest="end")
    parser.add_argument("--csv", action="store_true")
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    files = args.files or sorted(glob.glob(".spin/logs/*tollgate*stdout*"))
    if not files:
        sys.exit("no log files: name them, or run from the app directory (.spin/logs/)")
    start = millis(args.start) if args.start else 0
    end = millis(args.end) if args.end else 1 << 62
    width = WIDTH[args.interval]
    rows = {}
    for name in files:
        stream = sys.stdin if name == "-" else open(name, encoding="utf-8", errors="replace")
        for text in stream:
            text = text.strip()
            if not text.startswith("{"):
                continue
            try:
                line = json.loads(text)
                when = millis(line["time"])
                status = int(line["status"])
            except (ValueError, KeyError, TypeError):
                continue
            if line.get("api") == "admin" or not start <= when < end:
                continue
            key = (when // width * width, label(line, args.by))
            row = rows.setdefault(key, {"classes": [0] * 7, "hist": [0] * BUCKETS, "in": 0, "out": 0})
            limited = line.get("errorReason") in LIMITS
            if limited and status == 429:
                c = 4
            elif limited and status == 403:
                c = 5
            elif 200 <= status < 600:
                c = status // 100 - 2
            else:
                c = 6
            row["classes"][c] += 1
            row["hist"][bucket(line.get("totalMs") or 0)] += 1
            row["in"] += line.get("requestBytes") or 0
            row["out"] += line.get("responseBytes") or 0
    out = []
    for (start_ms, group) in sorted(rows):
        row = rows[(start_ms, group)]
        c = row["classes"]
        out.append({
            "start": iso(start_ms), "group": group, "calls": sum(c),
            "status": {"2xx": c[0], "3xx": c[1], "4xx": c[2] + c[4] + c[5], "5xx": c[3], "other": c[6]},
            "limited": {"429": c[4], "403": c[5]},
            "latencyMs": {f"p{p}": percentile(row["hist"], p) for p in (50, 95, 99)},
            "bytesIn": row["in"], "bytesOut": row["out"],
        })
    if args.csv:
        print(HEADER)
        for r in out:
            s, lim, lat = r["status"], r["limited"], r["latencyMs"]
            group = f'"{r["group"]}"' if "," in r["group"] else r["group"]
            cells = [r["start"], group, r["calls"], s["2xx"], s["3xx"], s["4xx"], s["5xx"],
                     lim["429"], lim["403"], lat["p50"], lat["p95"], lat["p99"], r["bytesIn"], r["bytesOut"]]
            print(",".join("" if v is None else str(v) for v in cells))
    else:
        print(json.dumps({"interval": args.interval, "by": args.by, "count": len(out), "value": out}, indent=2))


if __name__ == "__main__":
    main()
