#!/usr/bin/env python3
"""DroneFly's sample weather backend: a few JSON routes on 127.0.0.1:8081.

    python3 scripts/sample-backend.py [--port 8081]

Routes (GET): /current/{city}, /forecast/{city}?days=N, /wind/altitude/{city};
v2 (the Weather API's second version): GET /v2/current/{city}, POST /v2/observations.
Values are derived from the city name, so the same city always gets the same weather.
"""
import argparse
import hashlib
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


def reading(city, salt=""):
    digest = hashlib.sha256((city.lower() + salt).encode()).digest()
    return {
        "temperatureC": round(-10 + digest[0] / 255 * 40, 1),
        "windSpeedKmh": round(digest[1] / 255 * 90, 1),
        "windDirectionDeg": digest[2] * 360 // 256,
        "humidityPct": 20 + digest[3] * 80 // 256,
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "DroneFlyWeather/1.0"

    def do_GET(self):
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        if len(parts) == 3 and parts[:2] == ["v2", "current"]:
            r = reading(parts[2])
            body = {
                "city": parts[2],
                "source": "drone-fleet",
                "temperature": {"value": r["temperatureC"], "unit": "C"},
                "wind": {"speedKmh": r["windSpeedKmh"], "directionDeg": r["windDirectionDeg"]},
            }
        elif len(parts) == 2 and parts[0] == "current":
            body = {"city": parts[1], "source": "drone-fleet", **reading(parts[1])}
        elif len(parts) == 2 and parts[0] == "forecast":
            try:
                days = max(1, min(int(query.get("days", ["3"])[0]), 10))
            except ValueError:
                return self.send_json(400, {"error": "days must be a number"})
            body = {"city": parts[1], "days": [dict(day=d, **reading(parts[1], str(d))) for d in range(1, days + 1)]}
        elif len(parts) == 3 and parts[:2] == ["wind", "altitude"]:
            r = reading(parts[2], "wind")
            body = {"city": parts[2], "altitudeM": 120, "windSpeedKmh": r["windSpeedKmh"], "windDirectionDeg": r["windDirectionDeg"]}
        else:
            return self.send_json(404, {"error": f"no route for {url.path}"})
        self.send_json(200, body)

    def do_POST(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length)
        if url.path != "/v2/observations":
            return self.send_json(404, {"error": f"no route for {url.path}"})
        try:
            observation = json.loads(data or b"null")
        except ValueError:
            return self.send_json(400, {"error": "the body is not JSON"})
        self.send_json(201, observation)

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Powered-By", "drone-os")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        print(f"sample-backend: {self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"sample backend listening on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
