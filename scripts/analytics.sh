#!/usr/bin/env bash
# The analytics report (as GET /admin/analytics) from Tollgate's JSON access log:
#   scripts/analytics.sh [--interval minute|hour|day] [--by api|operation|product|subscription]
#                        [--from T] [--to T] [--csv] [.spin/logs/tollgate_stdout.txt ...]
exec python3 "$(dirname "$0")/analytics.py" "$@"
