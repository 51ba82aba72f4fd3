#!/usr/bin/env python3
"""Helpers of bench/run and bench/syscalls: free ports, waiting for a server, and the report (table, JSON, SVG).

  bench.py ports N                     N free loopback ports
  bench.py wait URL PID SECONDS [CA]   until URL answers 200 (fails at once if PID dies); an https
                                       URL's certificate is verified against the PEM file CA
  bench.py first200 URL READY PIDFILE SECONDS   bench/run's cold start: touch READY, then try URL
                                       every millisecond until a 200 (or PIDFILE's pid dies, or
                                       SECONDS); prints the epoch time of that whole response and
                                       the number of attempts
  bench.py report RAW_DIR OUT_DIR      parse the raw outputs; print the table; write latest.{json,svg,txt}
  bench.py check OUT_DIR               the report files exist and are well-formed (for --smoke)
  bench.py ab-report RAW_DIR OUT_DIR   the same for bench/run --ab: the A/B table; writes ab.{json,txt}
  bench.py ab-check OUT_DIR            ab.json and ab.txt exist and are complete (for --ab --smoke)
  bench.py tasks PID...                every thread: tid, pid, name, CPU ticks, context switches (TSV)
  bench.py strace-names SUMMARY        the syscalls in an strace -c summary
  bench.py syscalls-report RAW OUT     bench/syscalls' table; writes syscalls.{json,txt}
  bench.py syscalls-check OUT_DIR      syscalls.json is complete and plausible (for bench/syscalls --smoke)

Standard library only.
"""
import json
import math
import os
import re
import socket
import ssl
import statistics
import sys
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SERVERS = ["halfway", "nginx", "lighttpd", "limit"]
# limit (bench/limit/Limit.java): a bare NIO responder with a canned 1 KiB answer, run only in
# these measurements; its column is "-" elsewhere (10 MiB)
LIMIT_MEASUREMENTS = {"ab-1k-c1", "ab-1k-c32", "ab-1k-c256", "hc-1k-c32", "cold-1k-c32"}
# the TLS measurements (ab -f TLS1.3 against the TLS halfway and the TLS nginx; no lighttpd, no
# limit) and the body each response must carry: ab does not count a failed handshake as a failed
# request, so its stderr and the body bytes are checked as well
TLS_BODY_BYTES = {"tls-1k-c32": 1024, "tls-10m-c4": 10 * 1024 * 1024}

# id, label, unit, better, measurement, key (what to take from that measurement's parsed output)
FIGURES = [
    ("rps-1k-c1", "1 KiB c=1 requests/s", "req/s", "higher", "ab-1k-c1", "rps"),
    ("p50-1k-c1", "1 KiB c=1 p50 latency", "ms", "lower", "ab-1k-c1", "p50"),
    ("p99-1k-c1", "1 KiB c=1 p99 latency", "ms", "lower", "ab-1k-c1", "p99"),
    ("rps-1k-c32", "1 KiB c=32 requests/s", "req/s", "higher", "ab-1k-c32", "rps"),
    ("p50-1k-c32", "1 KiB c=32 p50 latency", "ms", "lower", "ab-1k-c32", "p50"),
    ("p99-1k-c32", "1 KiB c=32 p99 latency", "ms", "lower", "ab-1k-c32", "p99"),
    ("rps-1k-c256", "1 KiB c=256 requests/s", "req/s", "higher", "ab-1k-c256", "rps"),
    ("p50-1k-c256", "1 KiB c=256 p50 latency", "ms", "lower", "ab-1k-c256", "p50"),
    ("p99-1k-c256", "1 KiB c=256 p99 latency", "ms", "lower", "ab-1k-c256", "p99"),
    ("gbps-10m-c4", "10 MiB c=4 throughput", "GB/s", "higher", "ab-10m-c4", "gbps"),
    ("rps-1k-c32-shutwr", "half-close 1 KiB c=32 requests/s", "req/s", "higher", "hc-1k-c32", "rps"),
    ("p50-1k-c32-shutwr", "half-close 1 KiB c=32 p50 latency", "ms", "lower", "hc-1k-c32", "p50"),
    ("p99-1k-c32-shutwr", "half-close 1 KiB c=32 p99 latency", "ms", "lower", "hc-1k-c32", "p99"),
    ("gbps-10m-c4-shutwr", "half-close 10 MiB c=4 throughput", "GB/s", "higher", "hc-10m-c4", "gbps"),
    # TLS 1.3, a new connection per request and no session resumption: a full handshake each
    ("rps-tls-1k-c32", "TLS 1 KiB c=32 requests/s (full handshake)", "req/s", "higher", "tls-1k-c32", "rps"),
    ("p50-tls-1k-c32", "TLS 1 KiB c=32 p50 latency", "ms", "lower", "tls-1k-c32", "p50"),
    ("p99-tls-1k-c32", "TLS 1 KiB c=32 p99 latency", "ms", "lower", "tls-1k-c32", "p99"),
    ("gbps-tls-10m-c4", "TLS 10 MiB c=4 throughput", "GB/s", "higher", "tls-10m-c4", "gbps"),
    ("cpu-per-10k", "CPU s per 10k requests (1 KiB c=32)", "s", "lower", "ab-1k-c32", "cpu10k"),
    ("peak-rss", "peak RSS (VmHWM)", "MiB", "lower", None, "rss"),
    # cold: a fresh process per round (bench/run's cold phase); {cold_n} from machine.txt
    ("cold-first-200", "cold: exec to first 200 response", "ms", "lower", None, "coldms"),
    ("rps-cold", "cold: first {cold_n} requests/s (c=32)", "req/s", "higher", "cold-1k-c32", "rps"),
]

# What halfway should reach. ("ratio", op, x): halfway/nginx op x; ("absolute", op, x): halfway's
# own median op x (in the figure's unit). Figures not listed: at least as good as nginx.
TARGETS = {
    "cold-first-200": ("absolute", "<=", 300.0),
    "rps-cold": ("ratio", ">=", 0.6),
}


def target_of(fid, better):
    return TARGETS.get(fid, ("ratio", ">=" if better == "higher" else "<=", 1.0))


def target_text(t, unit):
    kind, op, x = t
    return f"{op} {x:g} {unit}" if kind == "absolute" else f"{op} {x:.2f}x nginx"


def target_met(t, halfway, ratio):
    kind, op, x = t
    v = halfway if kind == "absolute" else ratio
    if v is None:
        return None
    return v >= x if op == ">=" else v <= x


# --- ports and waiting ---------------------------------------------------------------------------

def ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        print(" ".join(str(s.getsockname()[1]) for s in socks))
    finally:
        for s in socks:
            s.close()


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait(url, pid, seconds, cafile=None):
    scheme, _, rest = url.partition("://")
    assert scheme in ("http", "https")
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    context = None
    if scheme == "https":  # verified against CAFILE (the run's own certificate), or not at all
        context = ssl.create_default_context(cafile=cafile) if cafile else ssl._create_unverified_context()
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        if not alive(pid):
            print(f"bench: pid {pid} exited before {url} answered", file=sys.stderr)
            return 1
        try:
            with socket.create_connection((host, int(port)), timeout=2) as raw:
                s = context.wrap_socket(raw, server_hostname=host) if context else raw
                s.sendall(f"GET /{path} HTTP/1.0\r\nHost: {hostport}\r\n\r\n".encode())
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
                s.close()
            head, _, body = data.partition(b"\r\n\r\n")
            if head.split(b" ")[1:2] == [b"200"]:
                return 0
            last = head.split(b"\r\n")[0].decode("latin-1")
        except OSError as e:
            last = str(e)
        time.sleep(0.2)
    print(f"bench: {url} did not answer 200 within {seconds} s ({last})", file=sys.stderr)
    return 1


def first200(url, ready, pidfile, seconds):
    """bench/run's cold start: the time of the first whole 200 response, as early as we can see it.

    Started before the server (so that python's start-up does not count): touches READY, then
    tries a connection every millisecond (a refused one costs a few microseconds, so the server
    starting on the same cores is hardly slowed), each a GET of URL read to EOF. Stops at the
    first 200 and prints its epoch time (the clock of bash's EPOCHREALTIME) and the attempts; fails
    when the pid in PIDFILE (written once the server is started) dies, or after SECONDS."""
    assert url.startswith("http://")
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    addr = (host, int(port))
    request = f"GET /{path} HTTP/1.0\r\nHost: {hostport}\r\n\r\n".encode()
    with open(ready, "w"):
        pass
    deadline = time.monotonic() + seconds
    pid, attempts, last = None, 0, "no answer"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if pid is None:
            try:
                with open(pidfile) as f:
                    pid = int(f.read().strip() or "0") or None
            except (OSError, ValueError):
                pass
        if pid is not None and not alive(pid):
            print(f"bench: pid {pid} exited before {url} answered ({last})", file=sys.stderr)
            return 1
        attempts += 1
        try:
            with socket.socket() as s:
                s.settimeout(min(left, 10))
                s.connect(addr)
                s.sendall(request)
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            done = time.time()
            head = data.partition(b"\r\n\r\n")[0]
            if head.split(b" ")[1:2] == [b"200"]:
                print(f"{done:.6f} {attempts}")
                return 0
            last = head.split(b"\r\n")[0].decode("latin-1") or "an empty answer"
        except OSError as e:
            last = str(e)
        time.sleep(0.001)
    print(f"bench: {url} did not answer 200 within {seconds} s ({last}; {attempts} attempts)", file=sys.stderr)
    return 1


# --- parsing the tools' outputs ------------------------------------------------------------------

def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def field(text, name):
    for line in text.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return None


def number(text):
    return float(text.split()[0]) if text else None


def parse_ab(file, requests, rc):
    """Figures and failures from `ab -e FILE.csv` output in FILE.out/.err."""
    out, err = read(file + ".out"), read(file + ".err")
    res = {"failed": 0, "problems": []}
    complete = field(out, "Complete requests")
    seconds = number(field(out, "Time taken for tests"))
    if complete is None or not seconds:
        res["failed"] = requests
        res["problems"].append(f"ab exited {rc} without statistics: " + (err.strip().splitlines() or ["(no output)"])[-1])
        return res
    complete = int(complete)
    failed = int(number(field(out, "Failed requests")) or 0)
    non2xx = int(number(field(out, "Non-2xx responses")) or 0)
    detail = ""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Failed requests:") and i + 1 < len(lines) and lines[i + 1].strip().startswith("("):
            detail = " " + lines[i + 1].strip()
    if failed:
        res["problems"].append(f"ab: {failed} failed requests{detail}")
    if non2xx:
        res["problems"].append(f"ab: {non2xx} non-2xx responses")
    if complete < requests:
        res["problems"].append(f"ab: only {complete} of {requests} requests completed")
    if rc != 0:
        res["problems"].append(f"ab exited {rc}: " + " | ".join(err.strip().splitlines()[-2:]))
    # over TLS, ab prints a failed handshake (read, write) on stderr and counts the request as
    # complete, not failed
    tls_errors = [line for line in err.splitlines() if re.match(r"SSL (handshake|read|write) failed", line)]
    if tls_errors:
        res["problems"].append(f"ab: {len(tls_errors)} TLS errors on stderr, counted by ab as complete requests "
                               f"(first: {tls_errors[0].strip()})")
    # ab can count one request more than once (with -r a receive error and a length error): cap it
    res["failed"] = min(requests, max(failed + non2xx, requests - complete, len(tls_errors), 1 if rc else 0))
    res["rps"] = number(field(out, "Requests per second"))
    body = number(field(out, "HTML transferred"))
    res["bodyBytes"] = body
    res["gbps"] = body / seconds / 1e9 if body is not None else None
    pct = {}
    for line in read(file + ".csv").splitlines()[1:]:
        p, _, v = line.partition(",")
        try:
            pct[int(float(p))] = float(v)
        except ValueError:
            pass
    res["p50"], res["p99"] = pct.get(50), pct.get(99)
    res["tlsProtocol"] = field(out, "SSL/TLS Protocol")  # e.g. TLSv1.3,TLS_AES_256_GCM_SHA384,256,256
    res["tlsKey"] = field(out, "Server Temp Key")          # e.g. X25519 253 bits
    res["complete"] = complete
    if res["p50"] is None:  # no CSV: ab's own table, whole milliseconds
        for line in lines:
            s = line.strip()
            if s.startswith("50%"):
                res["p50"] = float(s.split()[1])
            if s.startswith("99%"):
                res["p99"] = float(s.split()[1])
    return res


def check_tls(res, m, requests):
    """A TLS run's own checks, on parse_ab's result: TLS 1.3 was negotiated, and every complete
    request brought its whole body (a failed handshake is a complete request to ab, with no body)."""
    if "rps" not in res:  # no statistics at all: already counted as failed
        return res
    proto = res.get("tlsProtocol")
    if not proto or not proto.startswith("TLSv1.3,"):
        res["problems"].append(f"ab: negotiated {proto or 'no TLS at all'}, not TLS 1.3")
        res["failed"] = max(res["failed"], 1)
    want, body, complete = TLS_BODY_BYTES[m], res.get("bodyBytes"), res.get("complete") or 0
    if body is not None and body < complete * want:
        short = min(complete, math.ceil((complete * want - body) / want))
        res["problems"].append(f"ab: {body:.0f} body bytes for {complete} responses of {want}: "
                               f"at least {short} short or empty")
        res["failed"] = min(requests, max(res["failed"], short))
    return res


def parse_client(file, requests, rc):
    """Figures and failures from `halfway-client bench --json` output."""
    out, err = read(file + ".out"), read(file + ".err")
    res = {"failed": 0, "problems": []}
    try:
        j = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        res["failed"] = requests
        res["problems"].append(f"halfway-client exited {rc} without a report: "
                               + (err.strip().splitlines() or ["(no output)"])[-1])
        return res
    res["failed"] = j["failed"]
    if j["failed"]:
        kinds = ", ".join(f"{k} {v}" + (f" ({j['errors'][k]})" if k in j["errors"] else "")
                          for k, v in j["failures"].items() if v)
        res["problems"].append(f"halfway-client: {j['failed']} of {j['requests']} requests failed: {kinds}")
    if rc not in (0, 1):
        res["problems"].append(f"halfway-client exited {rc}")
    res["rps"] = j["requestsPerSecond"]
    res["gbps"] = j["bodyGBPerSecond"]
    res["bodyBytes"] = j["bodyBytes"]
    res["p50"], res["p99"] = j["latencyMs"]["p50"], j["latencyMs"]["p99"]
    return res


def load_machine(raw):
    info = {}
    for line in read(os.path.join(raw, "machine.txt")).splitlines():
        k, _, v = line.partition("=")
        info[k] = v
    return info


def median(values):
    vs = [v for v in values if v is not None]
    return statistics.median(vs) if vs else None


# --- the report ----------------------------------------------------------------------------------

def load_runs(raw, names):
    """bench/run's raw outputs: every run parsed, the failures, the servers that died, peak RSS.

    names: the server names in the order wanted (those without a run are left out).
    Returns (machine, rounds, servers, parsed, failures, died, rss) where parsed maps
    (measurement, server, round) to parse_ab's or parse_client's dict plus cpu10k, cpuSeconds
    and (when the manifest has it) foreignCores.
    """
    machine = load_machine(raw)
    rounds = int(machine.get("rounds", "1"))
    clk = int(machine.get("clk_tck", "100"))
    rows = []
    with open(os.path.join(raw, "manifest.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    servers = [s for s in names if any(r["server"] == s for r in rows)]

    parsed = {}  # (measurement, server, round) -> dict
    failures = []
    died = set()
    for r in rows:
        m, s, rnd = r["measurement"], r["server"], int(r["round"])
        n, rc = int(r["requests"]), int(r["exit"])
        file = os.path.join(raw, os.path.basename(r["file"]))
        if rc == -1:
            res = {"failed": n, "problems": [f"{s} was not running"]}
        elif r["tool"] == "ab":
            res = parse_ab(file, n, rc)
        elif r["tool"] == "ab-tls":
            res = check_tls(parse_ab(file, n, rc), m, n)
        else:
            res = parse_client(file, n, rc)
        if r["alive"] == "0":
            died.add(s)
            if rc != -1:
                res["problems"].append(f"{s} died during this measurement"
                                       + (" (its TLS process)" if r["tool"] == "ab-tls" else ""))
        ticks = int(r["cpu_ticks"])
        res["cpu10k"] = ticks / clk / n * 10000 if rc != -1 else None
        res["cpuSeconds"] = ticks / clk
        if int(r.get("wall_ms") or 0) > 0:
            # the machine's busy time in the run that was neither the server's nor the tool's
            res["foreignCores"] = int(r["foreign_ticks"]) / clk / (int(r["wall_ms"]) / 1000)
        parsed[(m, s, rnd)] = res
        if res["problems"]:
            failures.append({"server": s, "measurement": m, "round": rnd, "requests": n,
                             "failed": res["failed"], "detail": "; ".join(res["problems"])})

    rss = {s: [None] * rounds for s in servers}
    for rnd in range(1, rounds + 1):
        for line in read(os.path.join(raw, f"rss-r{rnd}.tsv")).splitlines():
            s, _, kib = line.partition("\t")
            if s in rss and kib.strip():
                rss[s][rnd - 1] = int(kib) / 1024
    return machine, rounds, servers, parsed, failures, died, rss


def load_cold(raw, servers, rounds):
    """bench/run's cold.tsv: ms from exec to the first 200 per server and round (None where
    there was none), and a failure entry for each start that got no 200."""
    ms = {s: [None] * rounds for s in servers}
    failures = []
    lines = read(os.path.join(raw, "cold.tsv")).splitlines()
    for line in lines[1:]:
        p = line.split("\t")
        if len(p) < 5 or p[1] not in ms or not p[0].isdigit() or not 1 <= int(p[0]) <= rounds:
            continue
        rnd, s, v = int(p[0]), p[1], float(p[2])
        if v >= 0:
            ms[s][rnd - 1] = v
        else:
            failures.append({"server": s, "measurement": "cold-first-200", "round": rnd, "requests": 1,
                             "failed": 1, "detail": p[4] or "no 200 response"})
    return ms, failures


def report(raw, outdir):
    machine, rounds, servers, parsed, failures, died, rss = load_runs(raw, SERVERS)
    cold_ms, cold_failures = load_cold(raw, servers, rounds)
    failures += cold_failures
    cold_n = machine.get("cold_requests", "?")
    figures = []
    for fid, label, unit, better, m, key in FIGURES:
        values, failed = {}, {}
        for s in servers:
            if key == "rss":
                values[s] = rss[s]
                failed[s] = [0] * rounds
            elif key == "coldms":
                values[s] = cold_ms[s]
                failed[s] = [int(any(f["server"] == s and f["round"] == rnd for f in cold_failures))
                             for rnd in range(1, rounds + 1)]
            else:
                values[s] = [parsed.get((m, s, rnd), {}).get(key) for rnd in range(1, rounds + 1)]
                failed[s] = [parsed.get((m, s, rnd), {}).get("failed", 0) for rnd in range(1, rounds + 1)]
        med = {s: median(values[s]) for s in servers}
        ratio = None
        if med.get("halfway") is not None and med.get("nginx"):
            ratio = med["halfway"] / med["nginx"]
        limit_ratio = None
        if med.get("halfway") is not None and med.get("limit"):
            limit_ratio = med["halfway"] / med["limit"]
        t = target_of(fid, better)
        figures.append({"id": fid, "label": label.format(cold_n=cold_n), "unit": unit, "better": better,
                        "measurement": m, "values": values, "failedRequests": failed, "median": med,
                        "halfwayOverNginx": ratio, "halfwayOverLimit": limit_ratio,
                        "target": {"kind": t[0], "op": t[1], "value": t[2], "text": target_text(t, unit),
                                   "met": target_met(t, med.get("halfway"), ratio)}})

    # limit is this benchmark's own code: its failures fail the run as halfway's do
    ours_failed = [f for f in failures if f["server"] in ("halfway", "limit")]
    ok = not ours_failed and not died
    # what each TLS server negotiated with ab (protocol and cipher, key exchange), over its runs
    negotiated = {}
    for (m, s, rnd), res in sorted(parsed.items()):
        if m in TLS_BODY_BYTES and res.get("tlsProtocol"):
            seen = negotiated.setdefault(s, [])
            what = f"{res['tlsProtocol']}; {res.get('tlsKey') or '?'}"
            if what not in seen:
                seen.append(what)
    tls = None
    if machine.get("tls_servers"):
        tls = {"servers": machine["tls_servers"].split(), "negotiated": negotiated,
               "certificate": machine.get("tls_cert"), "openssl": machine.get("openssl"),
               "ab": machine.get("tls_ab"), "halfway": machine.get("halfway_tls_cmd"),
               "nginx": machine.get("nginx_tls"), "requests": machine.get("tls_counts"),
               "measurements": sorted(TLS_BODY_BYTES),
               "resumption": "none: a new connection per request, and ab offers no session to resume (no "
                             "pre_shared_key in its TLS 1.3 ClientHello); nginx has ssl_session_cache off and "
                             "ssl_session_tickets off (bench/README.md, TLS)"}
    result = {
        "mode": machine.get("mode"), "rounds": rounds, "servers": servers,
        "machine": {k: machine.get(k) for k in ("nproc", "kernel", "cpu", "java", "nginx", "lighttpd", "ab",
                                                 "lighttpd_backend", "date", "elapsed_seconds")},
        "settings": {"halfway": machine.get("halfway_cmd"), "limit": machine.get("limit_cmd"),
                     "requests": machine.get("counts"),
                     "ab": "ab -q -r -s 30 -n N -c C -e CSV URL (HTTP/1.0, a new connection per request)",
                     "halfwayClient": "halfway-client bench URL --clients C --requests N --warmup K --shut-wr --json",
                     "cold": "per round, each server started fresh on a new port: ms from exec to the first whole "
                             f"200 response (a GET /1k.bin every ms), then ab -n {cold_n} -c 32 /1k.bin at once; stopped",
                     "limitMeasurements": sorted(LIMIT_MEASUREMENTS)},
        "tls": tls,
        "figures": figures, "failures": failures, "died": sorted(died), "ok": ok,
    }
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "latest.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    table = render_table(result)
    with open(os.path.join(outdir, "latest.txt"), "w") as f:
        f.write(table)
    with open(os.path.join(outdir, "latest.svg"), "w") as f:
        f.write(render_svg(result))
    print(table, end="")
    print(f"\nwrote {outdir}/latest.json, latest.svg, latest.txt (raw tool output in {outdir}/raw/)")
    return 0 if ok else 1


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "req/s":
        return f"{v:,.0f}"
    if unit == "GB/s":
        return f"{v:.2f}"
    if unit == "MiB":
        return f"{v:.1f}"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def render_table(result):
    servers = result["servers"]
    m = result["machine"]
    lines = [f"halfway vs nginx vs lighttpd (and limit): {result['mode']} run, {result['rounds']} round(s), medians; "
             f"{m.get('nproc')} cores, {m.get('kernel')}, {m.get('date')}",
             "(a value marked ! had failed requests in at least one round: see the list below)", ""]
    cols = ["halfway", "nginx", "lighttpd", "limit"]
    w = max([38] + [len(f["label"]) for f in result["figures"]])
    head = (f"{'figure':<{w}} {'unit':<6} {'better':<6}" + "".join(f" {c:>11}" for c in cols)
            + f" {'halfway/nginx':>13} {'halfway/limit':>13}  {'target':<18}")
    lines += [head, "-" * len(head)]
    for fig in result["figures"]:
        cells = []
        for c in cols:
            if c not in servers:
                cells.append(f" {'n/a':>11}")
                continue
            mark = "!" if any(fig["failedRequests"][c]) else ""
            cells.append(f" {fmt(fig['median'][c], fig['unit']) + mark:>11}")
        r, rl = fig["halfwayOverNginx"], fig.get("halfwayOverLimit")
        rtxt = "-" if r is None else f"{r:.2f}"
        ltxt = "-" if rl is None else f"{rl:.2f}"
        t = fig["target"]
        ttxt = t["text"] + {True: "  ok", False: "  --", None: "  ?"}[t["met"]]
        lines.append(f"{fig['label']:<{w}} {fig['unit']:<6} {fig['better']:<6}" + "".join(cells)
                     + f" {rtxt:>13} {ltxt:>13}  {ttxt:<18}".rstrip())
    lines += ["",
              "target: halfway's goal, 'ok' where it is met, '--' where not, '?' where it cannot be told (no nginx).",
              "  'x nginx' targets are on halfway/nginx (given which way is better); the others on halfway's own value.",
              "limit: bench/limit/Limit.java, a one-thread NIO loop answering every connection with canned bytes",
              "  (1 KiB body), no parsing, no file: the ceiling ab, the kernel and the JVM allow here; '-' where it",
              "  does not apply (10 MiB). halfway/limit: how much of that ceiling halfway reaches.",
              "cold: per round a fresh process of each server: ms from its exec to the first whole 200 response,",
              "  then requests/s of the next requests (ab -c 32) before any warm-up; medians over the rounds."]
    tls = result.get("tls")
    if tls:
        lines += ["TLS: a second halfway (--tls-cert/--tls-key) and a second nginx (listen ... ssl; no session cache,",
                  "  no tickets), one EC P-256 certificate made at run time; ab -f TLS1.3, a new connection and a full",
                  "  handshake per request (ab offers no session). lighttpd and limit take no part ('-')."]
        neg = tls["negotiated"]
        for s in tls["servers"]:
            lines.append(f"  negotiated with {s}: " + (" | ".join(neg.get(s, [])) or "nothing (no TLS run succeeded)"))
        if len({tuple(v) for v in neg.values()}) > 1:
            lines.append("  (the servers did not negotiate the same parameters: the TLS rows compare unlike work)")
    if result["failures"]:
        lines.append("")
        lines.append("FAILURES (not hidden in the medians; the values of these runs are still counted):")
        for f in result["failures"]:
            lines.append(f"  round {f['round']} {f['server']:<8} {f['measurement']:<14} "
                         f"{f['failed']} of {f['requests']}: {f['detail']}")
    if result["died"]:
        lines.append("")
        lines.append("SERVERS THAT DIED: " + ", ".join(result["died"]))
    lines.append("")
    lines.append("result: " + ("OK" if result["ok"] else "FAILED (halfway or limit failed requests, or a server died)"))
    return "\n".join(lines) + "\n"


def render_svg(result):
    """Per figure two bars on a log2 axis centred on 1.0: halfway/nginx (green where halfway meets
    its target, red where not; a dashed tick at a target other than 1.0) and, thinner, in blue,
    halfway/limit where limit was measured."""
    figs = result["figures"]

    def name_of(f):
        return f'{f["label"]} ({f["unit"]}, {"↑" if f["better"] == "higher" else "↓"} better)'

    left = 24 + int(max(len(name_of(f)) for f in figs) * 7.3)
    right, top, row = 290, 112, 36
    plot_w = 520
    width = left + plot_w + right
    height = top + row * len(figs) + 70
    # the axis spans the ratios that are compared with a ratio (an absolute target, such as ms
    # to the first response, can be far off: its bar is clipped, its value written out)
    ratios = [f["halfwayOverNginx"] for f in figs if f["halfwayOverNginx"] and f["target"]["kind"] == "ratio"]
    ratios += [f["halfwayOverLimit"] for f in figs if f.get("halfwayOverLimit")]
    ratios += [f["target"]["value"] for f in figs if f["target"]["kind"] == "ratio"]
    span = max([2.0] + [abs(math.log2(r)) for r in ratios])
    span = min(math.ceil(span), 6)  # at most 1/64 .. 64; beyond that the bar is clipped, marked »/«
    cx = left + plot_w / 2

    def clipped(r):
        return abs(math.log2(r)) > span

    def x(r):
        v = max(-span, min(span, math.log2(r)))
        return cx + v / span * (plot_w / 2)

    m = result["machine"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{width / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">'
           f'halfway / nginx and halfway / limit, per figure ({escape(str(result["mode"]))} run, '
           f'{result["rounds"]} round(s), medians)</text>',
           f'<text x="{width / 2}" y="46" text-anchor="middle" fill="#555">'
           f'{escape(str(m.get("nproc")))} cores · {escape(str(m.get("kernel")))} · {escape(str(m.get("nginx")))} · '
           f'{escape(str(m.get("date")))}</text>',
           f'<text x="{width / 2}" y="64" text-anchor="middle" fill="#555">'
           f'wide bar: halfway / nginx, green where halfway meets its target, red where not (dashed: a target '
           f'other than 1.0)</text>',
           f'<text x="{width / 2}" y="82" text-anchor="middle" fill="#555">'
           f'thin blue bar: halfway / limit (a bare NIO loop with canned bytes: the ceiling). Axis is logarithmic.'
           f'</text>']
    # grid: powers of two
    for k in range(-span, span + 1):
        gx = cx + k / span * (plot_w / 2)
        label = f"{2 ** k:g}" if k >= 0 else f"1/{2 ** -k:g}"
        out.append(f'<line x1="{gx:.1f}" y1="{top - 8}" x2="{gx:.1f}" y2="{top + row * len(figs)}" '
                   f'stroke="{"#222" if k == 0 else "#ddd"}" stroke-width="{2 if k == 0 else 1}"/>')
        out.append(f'<text x="{gx:.1f}" y="{top + row * len(figs) + 18}" text-anchor="middle" fill="#333">{label}</text>')
    out.append(f'<text x="{cx:.1f}" y="{top - 14}" text-anchor="middle" font-weight="bold">1.0 = nginx (or limit)</text>')
    out.append(f'<text x="{cx:.1f}" y="{top + row * len(figs) + 40}" text-anchor="middle" fill="#333">'
               f'halfway / nginx, halfway / limit (medians over rounds)</text>')

    def bar(r, y, h, colour, text):
        x0, x1 = sorted((cx, x(r)))
        out.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 1.5):.1f}" height="{h}" fill="{colour}"/>')
        if clipped(r):
            text = ("» " if r > 1 else "« ") + text
        # right of the bar's end, or right of the 1.0 line for a bar to the left (never over the labels)
        tx = x(r) + 6 if r >= 1 else cx + 6
        out.append(f'<text x="{tx:.1f}" y="{y + h / 2 + 4:.1f}" font-size="12">{escape(text)}</text>')

    for i, f in enumerate(figs):
        y = top + i * row
        out.append(f'<text x="{left - 10}" y="{y + row / 2 + 4:.1f}" text-anchor="end">{escape(name_of(f))}</text>')
        r, rl, t = f["halfwayOverNginx"], f.get("halfwayOverLimit"), f["target"]
        if r:
            good = t["met"] if t["met"] is not None else (r >= 1 if f["better"] == "higher" else r <= 1)
            failing = [s for s in ("halfway", "nginx") if any(f["failedRequests"].get(s) or [])]
            text = f"{r:.2f}"
            if t["kind"] == "absolute":
                text += f" (target {t['text']}: {fmt(f['median'].get('halfway'), f['unit'])} {f['unit']})"
            elif t["value"] != 1.0:
                text += f" (target {t['text']})"
            text += f" ({' and '.join(failing)} failed requests!)" if failing else ""
            bar(r, y + 4, 16, "#2e9e44" if good else "#d0413a", text)
        else:
            note = "no nginx value"
            if t["kind"] == "absolute" and t["met"] is not None:
                note += (f"; target {t['text']}: {fmt(f['median'].get('halfway'), f['unit'])} {f['unit']}, "
                         + ("met" if t["met"] else "not met"))
            out.append(f'<text x="{cx + 8:.1f}" y="{y + 16:.1f}" fill="#888" font-size="12">{escape(note)}</text>')
        if rl:
            bar(rl, y + 23, 8, "#3b6fc4", f"{rl:.2f} of limit")
        if t["kind"] == "ratio" and t["value"] != 1.0:  # the target, over the bars
            tx = x(t["value"])
            out.append(f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + row - 1}" stroke="#111" '
                       f'stroke-width="2" stroke-dasharray="4,3"/>')
    if not any(f["halfwayOverNginx"] for f in figs):
        out.append(f'<text x="{cx:.1f}" y="{top + row * len(figs) + 60:.1f}" text-anchor="middle" font-size="14" '
                   f'fill="#a00">no nginx in this run (smoke): only halfway / limit drawn</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def check(outdir):
    problems = []
    try:
        with open(os.path.join(outdir, "latest.json")) as f:
            j = json.load(f)
        ids = [fig["id"] for fig in j["figures"]]
        if ids != [f[0] for f in FIGURES]:
            problems.append(f"latest.json has figures {ids}")
        if "limit" not in j["servers"]:
            problems.append(f"no limit in the run (servers: {j['servers']})")
        for fig in j["figures"]:
            if fig["median"].get("halfway") is None:
                problems.append(f"no halfway value for {fig['id']}")
            # limit: a value and a halfway/limit ratio where it runs, none elsewhere
            applies = fig["measurement"] in LIMIT_MEASUREMENTS or fig["id"] in ("cold-first-200", "cpu-per-10k", "peak-rss")
            if "limit" in j["servers"]:
                if applies and (fig["median"].get("limit") is None or fig["halfwayOverLimit"] is None):
                    problems.append(f"no limit value or halfway/limit for {fig['id']}")
                if not applies and fig["median"].get("limit") is not None:
                    problems.append(f"a limit value for {fig['id']}, where limit does not run")
            t = fig["target"]
            if t["kind"] == "absolute" and t["met"] is None:
                problems.append(f"target of {fig['id']} not evaluated")
        # TLS: the TLS halfway ran, and every one of its runs negotiated TLS 1.3
        tls = j.get("tls") or {}
        if "halfway" not in tls.get("servers", []):
            problems.append(f"no TLS halfway in the run (tls: {tls})")
        else:
            neg = tls.get("negotiated", {}).get("halfway", [])
            if not neg or any(not v.startswith("TLSv1.3,") for v in neg):
                problems.append(f"the TLS halfway did not negotiate TLS 1.3 in every run that had statistics: {neg}")
        cold = [v for fig in j["figures"] if fig["id"] == "cold-first-200" for v in fig["values"].get("halfway", [])]
        if not cold or any(v is None or not 0 < v < 30000 for v in cold):
            problems.append(f"implausible cold-start times for halfway: {cold}")
    except (OSError, ValueError, KeyError, TypeError) as e:
        problems.append(f"latest.json: {e}")
    try:
        root = ET.parse(os.path.join(outdir, "latest.svg")).getroot()
        if not root.tag.endswith("svg"):
            problems.append("latest.svg is not an SVG")
    except (OSError, ET.ParseError) as e:
        problems.append(f"latest.svg: {e}")
    if not read(os.path.join(outdir, "latest.txt")).startswith("halfway vs nginx"):
        problems.append("latest.txt is missing")
    for p in problems:
        print(f"bench: smoke check: {p}", file=sys.stderr)
    if not problems:
        print("bench: smoke check: table, latest.json and latest.svg are in place")
    return 1 if problems else 0


# --- A/B of two halfway jars (bench/run --ab) --------------------------------------------------

AB_FIGURES = [f for f in FIGURES if f[4] in ("ab-1k-c32", "ab-10m-c4") or f[5] == "rss"]
AB_MEASUREMENTS = ["ab-1k-c32", "ab-10m-c4"]


def ab_report(raw, outdir):
    """The A/B table: per figure the medians of A and B, B/A, the median of the per-round B/A
    ratios and each side's range; the foreign CPU of every run; the failures. Writes ab.json and
    ab.txt. Exit status 1 when A or B failed a request or died."""
    machine, rounds, servers, parsed, failures, died, rss = load_runs(raw, ["A", "B"])
    figures = []
    for fid, label, unit, better, m, key in AB_FIGURES:
        values, failed = {}, {}
        for s in ("A", "B"):
            if key == "rss":
                values[s], failed[s] = rss.get(s, [None] * rounds), [0] * rounds
            else:
                values[s] = [parsed.get((m, s, rnd), {}).get(key) for rnd in range(1, rounds + 1)]
                failed[s] = [parsed.get((m, s, rnd), {}).get("failed", 0) for rnd in range(1, rounds + 1)]
        med = {s: median(values[s]) for s in ("A", "B")}
        ratio = med["B"] / med["A"] if med["A"] and med["B"] is not None else None
        pairs = [b / a if a and b is not None else None for a, b in zip(values["A"], values["B"])]
        figures.append({"id": fid, "label": label, "unit": unit, "better": better, "measurement": m,
                        "values": values, "failedRequests": failed, "median": med, "bOverA": ratio,
                        "pairedBOverA": pairs, "pairedMedian": median(pairs),
                        "range": {s: [min(v), max(v)] if (v := [x for x in values[s] if x is not None]) else None
                                  for s in ("A", "B")}})
    foreign = {m: {s: [parsed.get((m, s, rnd), {}).get("foreignCores") for rnd in range(1, rounds + 1)]
                   for s in ("A", "B")} for m in AB_MEASUREMENTS}
    ok = not failures and not died
    result = {
        "mode": machine.get("mode"), "rounds": rounds, "order": "A B in odd rounds, B A in even rounds",
        "jars": {s: {"path": machine.get(f"jar_{s}"), "sha256": machine.get(f"sha256_{s}")} for s in ("A", "B")},
        "machine": {k: machine.get(k) for k in ("nproc", "kernel", "cpu", "java", "ab", "date",
                                                 "elapsed_seconds", "loadavg_end")},
        "settings": {"server": machine.get("halfway_cmd"), "requests": machine.get("counts"),
                     "warmupRound": machine.get("warmup_round") == "1",
                     "ab": "ab -q -r -s 30 -n N -c C -e CSV URL (HTTP/1.0, a new connection per request)"},
        "figures": figures, "foreignCores": foreign, "failures": failures, "died": sorted(died), "ok": ok,
    }
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "ab.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    table = render_ab_table(result)
    with open(os.path.join(outdir, "ab.txt"), "w") as f:
        f.write(table)
    print(table, end="")
    print(f"\nwrote {outdir}/ab.json, ab.txt (raw tool output in {outdir}/ab-raw/)")
    return 0 if ok else 1


def render_ab_table(result):
    m, j = result["machine"], result["jars"]
    lines = [f"A/B of two halfway jars: {result['mode']} run, {result['rounds']} round(s), order A B / B A "
             f"alternating, medians; {m.get('nproc')} cores, {m.get('kernel')}, {m.get('date')}, "
             f"load average at the end {m.get('loadavg_end')}",
             f"A = {j['A']['path']} (sha256 {j['A']['sha256']})",
             f"B = {j['B']['path']} (sha256 {j['B']['sha256']})",
             f"requests: {result['settings']['requests']}", ""]
    head = (f"{'figure':<36} {'unit':<5} {'better':<6} {'A median':>9} {'B median':>9} {'B/A':>6} {'paired':>6}"
            f"  {'A min..max':>17}  {'B min..max':>17}")
    lines += [head, "-" * len(head)]
    for fig in result["figures"]:
        u = fig["unit"]
        cell = {s: fmt(fig["median"][s], u) + ("!" if any(fig["failedRequests"][s]) else "") for s in ("A", "B")}
        rng = {s: "-" if fig["range"][s] is None else f"{fmt(fig['range'][s][0], u)}..{fmt(fig['range'][s][1], u)}"
               for s in ("A", "B")}
        ratio = "-" if fig["bOverA"] is None else f"{fig['bOverA']:.3f}"
        paired = "-" if fig["pairedMedian"] is None else f"{fig['pairedMedian']:.3f}"
        lines.append(f"{fig['label']:<36} {u:<5} {fig['better']:<6} {cell['A']:>9} {cell['B']:>9} {ratio:>6} "
                     f"{paired:>6}  {rng['A']:>17}  {rng['B']:>17}")
    lines += ["",
              "A, B: medians over the rounds; B/A: median(B) / median(A); paired: the median over the rounds of",
              "B/A within each round; min..max: the spread of each side. ! = failed requests in some round.", "",
              f"foreign CPU during each run, in cores (the machine's busy time from /proc/stat minus the server's",
              f"and ab's; it includes some softirq time, so it is not 0 on an idle machine; {m.get('nproc')} cores in all):"]
    for meas, per in result["foreignCores"].items():
        cells = []
        for rnd in range(result["rounds"]):
            cells.append(f"r{rnd + 1} " + " ".join(
                f"{s}=" + ("-" if per[s][rnd] is None else f"{per[s][rnd]:.2f}") for s in ("A", "B")))
        lines.append(f"  {meas:<10} " + " | ".join(cells))
    lines.append("  (a run with foreign CPU well above the others was disturbed: rerun, or use more rounds)")
    if result["failures"]:
        lines.append("")
        lines.append("FAILURES (not hidden in the medians; the values of these runs are still counted):")
        for f in result["failures"]:
            lines.append(f"  round {f['round']} {f['server']:<8} {f['measurement']:<11} "
                         f"{f['failed']} of {f['requests']}: {f['detail']}")
    if result["died"]:
        lines.append("")
        lines.append("SERVERS THAT DIED: " + ", ".join(result["died"]))
    lines.append("")
    lines.append("result: " + ("OK" if result["ok"] else "FAILED (A or B failed requests, or died)"))
    return "\n".join(lines) + "\n"


def ab_check(outdir):
    problems = []
    try:
        with open(os.path.join(outdir, "ab.json")) as f:
            j = json.load(f)
        ids = [fig["id"] for fig in j["figures"]]
        if ids != [f[0] for f in AB_FIGURES]:
            problems.append(f"ab.json has figures {ids}")
        for fig in j["figures"]:
            for s in ("A", "B"):
                if fig["median"].get(s) is None:
                    problems.append(f"no {s} value for {fig['id']}")
            if fig["bOverA"] is None or fig["pairedMedian"] is None:
                problems.append(f"no B/A for {fig['id']}")
        for meas, per in j["foreignCores"].items():
            if any(v is None for s in ("A", "B") for v in per[s]):
                problems.append(f"no foreign CPU for some run of {meas}")
    except (OSError, ValueError, KeyError, TypeError) as e:
        problems.append(f"ab.json: {e}")
    if not read(os.path.join(outdir, "ab.txt")).startswith("A/B of two halfway jars"):
        problems.append("ab.txt is missing")
    for p in problems:
        print(f"bench: smoke check: {p}", file=sys.stderr)
    if not problems:
        print("bench: smoke check: the A/B table and ab.json are in place")
    return 1 if problems else 0


# --- syscalls per request (bench/syscalls) ------------------------------------------------------

def tasks(pids):
    """One line per thread of the given processes: tid, pid, name, utime+stime (ticks), voluntary
    and involuntary context switches. The name is the thread's comm, except for a process's main
    thread that set its title ("nginx: worker process")."""
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv0 = f.read().split(b"\0")[0].decode("utf-8", "replace")
            tids = sorted(os.listdir(f"/proc/{pid}/task"), key=int)
        except OSError:
            continue
        for tid in tids:
            t = f"/proc/{pid}/task/{tid}"
            try:
                with open(t + "/comm") as f:
                    comm = f.read().strip()
                with open(t + "/stat") as f:
                    st = f.read().rsplit(")", 1)[1].split()
                ticks = int(st[11]) + int(st[12])
                v = nv = 0
                with open(t + "/status") as f:
                    for line in f:
                        if line.startswith("voluntary_ctxt_switches:"):
                            v = int(line.split()[1])
                        elif line.startswith("nonvoluntary_ctxt_switches:"):
                            nv = int(line.split()[1])
            except (OSError, ValueError, IndexError):
                continue
            name = " ".join(argv0.split()[:3]) if tid == str(pid) and ": " in argv0 else comm
            print(f"{tid}\t{pid}\t{name}\t{ticks}\t{v}\t{nv}")
    return 0


def parse_tasks(path):
    out = {}
    for line in read(path).splitlines():
        p = line.split("\t")
        if len(p) == 6:
            out[p[0]] = {"name": p[2], "ticks": int(p[3]), "vcs": int(p[4]), "nvcs": int(p[5])}
    return out


def parse_strace_c(path):
    """strace -c's summary: syscall -> (calls, errors)."""
    rows = {}
    for line in read(path).splitlines():
        p = line.split()
        if len(p) >= 5 and p[0].replace(".", "").isdigit() and p[-1] != "total":
            try:
                rows[p[-1]] = (int(p[3]), int(p[4]) if len(p) == 6 else 0)
            except ValueError:
                pass
    return rows


def parse_perf_threads(path):
    """perf stat --per-thread -x, output: tid -> {event: count} (event without "syscalls:sys_enter_";
    raw_syscalls:sys_enter as "all")."""
    out = {}
    for line in read(path).splitlines():
        p = line.strip().split(",")
        # "<not counted>": the thread did not run while counting (enabled time 0)
        if len(p) > 3 and (p[1].isdigit() or p[1] == "<not counted>") and "-" in p[0]:
            tid = p[0].rsplit("-", 1)[1]
            ev = p[3]
            ev = "all" if ev == "raw_syscalls:sys_enter" else ev.replace("syscalls:sys_enter_", "")
            t = out.setdefault(tid, {})
            t[ev] = t.get(ev, 0) + (int(p[1]) if p[1].isdigit() else 0)
    return out


def thread_group(name):
    """halfway-13 -> halfway-N, GC Thread#0 -> GC Thread#N (C2 CompilerThre stays)."""
    return re.sub(r"([-#])[0-9]+", r"\1N", name)


def syscalls_server(d, clk):
    info = {}
    for line in read(os.path.join(d, "info.txt")).splitlines():
        k, _, v = line.partition("=")
        info[k] = v  # later lines win (perf=0 after a failed perf run)
    n = int(info["requests"])
    runs = {}
    for run in ("untraced", "traced", "perf"):
        if f"rc_{run}" in info:
            r = parse_ab(os.path.join(d, f"ab-{run}"), n, int(info[f"rc_{run}"]))
            runs[run] = {"rps": r.get("rps"), "failed": r["failed"], "problems": r["problems"]}
    strace = parse_strace_c(os.path.join(d, "strace.txt"))
    perf_on = info.get("perf") == "1"
    perf_threads = parse_perf_threads(os.path.join(d, "perf.txt")) if perf_on else {}
    perf = {}
    for t in perf_threads.values():
        for ev, c in t.items():
            perf[ev] = perf.get(ev, 0) + c
    perf = {(k[:-2] if k.endswith("64") and k[:-2] in strace else k): v for k, v in perf.items()}
    total = sum(c for c, _ in strace.values())
    futex = strace.get("futex", (0, 0))[0]
    warm, after = parse_tasks(os.path.join(d, "tasks-warm.tsv")), parse_tasks(os.path.join(d, "tasks-untraced.tsv"))
    # per thread: the untraced run's CPU and context switches, the perf run's syscalls
    threads = {}
    for tid in set(warm) | set(after) | set(perf_threads):
        a, w = after.get(tid), warm.get(tid)
        name = (a or w or {}).get("name", "?")
        t = {"tid": tid, "name": name}
        if a:
            w = w or {"ticks": 0, "vcs": 0, "nvcs": 0}
            t.update(cpuSeconds=(a["ticks"] - w["ticks"]) / clk, vcs=a["vcs"] - w["vcs"], nvcs=a["nvcs"] - w["nvcs"])
        if tid in perf_threads:
            t.update(all=perf_threads[tid].get("all", 0), futex=perf_threads[tid].get("futex", 0))
        threads[tid] = t
    groups = {}
    for t in warm.values():
        g = thread_group(t["name"])
        groups[g] = groups.get(g, 0) + 1
    sum_of = lambda k: sum(t.get(k, 0) for t in threads.values())
    return {
        "label": info["label"], "kind": info["kind"], "jar": info.get("jar"), "sha256": info.get("sha256"),
        "version": info.get("version"), "command": info.get("command"), "requests": n,
        "warmup": int(info.get("warmup", 0)), "runs": runs,
        "strace": {k: {"calls": c, "errors": e, "perRequest": c / n, "errorsPerRequest": e / n}
                   for k, (c, e) in sorted(strace.items(), key=lambda kv: -kv[1][0])},
        "perf": {k: {"count": v, "perRequest": v / n} for k, v in perf.items()} if perf_on else None,
        "perRequest": {"strace": {"all": total / n, "futex": futex / n, "nonFutex": (total - futex) / n},
                       "perf": ({"all": perf.get("all", 0) / n, "futex": perf.get("futex", 0) / n,
                                 "nonFutex": (perf.get("all", 0) - perf.get("futex", 0)) / n}
                                if perf_on else None)},
        "threads": {"afterWarmup": len(warm), "afterWarmupByName": dict(sorted(groups.items(), key=lambda kv: -kv[1])),
                    "afterUntraced": int(info.get("threads_untraced", 0)), "afterTraced": int(info.get("threads_traced", 0)),
                    "afterPerf": int(info["threads_perf"]) if "threads_perf" in info else None,
                    "straceAttached": int(info.get("strace_attached", 0)), "atAttach": int(info.get("strace_tids", 0))},
        "untraced": {"cpuSecondsPer10k": sum_of("cpuSeconds") / n * 10000,
                     "voluntaryCsPerRequest": sum_of("vcs") / n, "involuntaryCsPerRequest": sum_of("nvcs") / n},
        "perThread": sorted(threads.values(), key=lambda t: (-t.get("all", 0), -t.get("cpuSeconds", 0))),
    }


def syscalls_report(raw, outdir):
    machine = load_machine(raw)
    clk = int(machine.get("clk_tck", "100"))
    servers = [syscalls_server(os.path.join(raw, label), clk) for label in read(os.path.join(raw, "servers.txt")).split()]
    failures = [f"{s['label']} {run}: {r['failed']} of {s['requests']}: " + "; ".join(r["problems"])
                for s in servers for run, r in s["runs"].items() if r["problems"]]
    for s in servers:
        th = s["threads"]
        if th["straceAttached"] != th["atAttach"]:
            failures.append(f"{s['label']}: strace attached to {th['straceAttached']} of {th['atAttach']} threads")
    result = {"machine": machine, "servers": servers, "failures": failures, "ok": not failures}
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "syscalls.json"), "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    text = render_syscalls(result)
    with open(os.path.join(outdir, "syscalls.txt"), "w") as f:
        f.write(text)
    print(text, end="")
    print(f"\nwrote {outdir}/syscalls.json, syscalls.txt (raw outputs in {outdir}/syscalls-raw/)")
    return 0 if result["ok"] else 1


def render_syscalls(result):
    servers, m = result["servers"], result["machine"]
    any_perf = any(s["perf"] is not None for s in servers)
    n_text = ", ".join(sorted({str(s["requests"]) for s in servers}))
    lines = [f"syscalls per request: 1 KiB file, ab -c 32, {n_text} requests per counted run after "
             f"{', '.join(sorted({str(s['warmup']) for s in servers}))} of warm-up; {m.get('nproc')} cores, "
             f"{m.get('kernel')}, {m.get('strace')}, perf: {m.get('perf')}, {m.get('date')}", ""]
    cols = ["strace", "errors"] + (["perf"] if any_perf else [])
    w = 8
    group_w = len(cols) * (w + 1)
    lines.append(f"{'':<22}" + "".join(f" {s['label'][:group_w - 1]:<{group_w - 1}}" for s in servers))
    head = f"{'syscall':<22}" + "".join(f" {c:>{w}}" for s in servers for c in cols)
    lines += [head, "-" * len(head)]

    def cell(v):
        return f" {'-':>{w}}" if v is None else f" {v:>{w}.3f}"

    names = {}
    for s in servers:
        for k, v in s["strace"].items():
            names[k] = max(names.get(k, 0), v["perRequest"])
    shown = [k for k, v in sorted(names.items(), key=lambda kv: -kv[1]) if v >= 0.0005]
    for k in shown:
        row = f"{k:<22}"
        for s in servers:
            st = s["strace"].get(k)
            row += cell(st["perRequest"] if st else None) + cell(st["errorsPerRequest"] if st else None)
            if any_perf:
                pf = (s["perf"] or {}).get(k)
                row += cell(pf["perRequest"] if pf else None)
        lines.append(row)
    for s in servers:
        rare = [(k, v["calls"]) for k, v in s["strace"].items() if k not in shown]
        if rare:
            lines.append(f"({s['label']}: {len(rare)} rarer: " + ", ".join(f"{k} {c}" for k, c in rare) + ")")
    lines.append("-" * len(head))
    for key, label in (("all", "total"), ("nonFutex", "non-futex"), ("futex", "futex")):
        row = f"{label:<22}"
        for s in servers:
            row += cell(s["perRequest"]["strace"][key]) + f" {'':>{w}}"
            if any_perf:
                row += cell((s["perRequest"]["perf"] or {}).get(key))
        lines.append(row)
    lines += ["",
              "strace, errors: calls and failed calls per request under strace -c -f (ptrace: the server runs ~10x",
              "slower, so futex, epoll_wait and EAGAIN reads are inflated); perf: kernel tracepoints in a separate",
              "run of the same number of requests (total = raw_syscalls:sys_enter). - = none, or not counted."]
    for s in servers:
        th, u = s["threads"], s["untraced"]
        lines.append("")
        what = s["version"] if s["kind"] == "nginx" else f"{s['jar']} (sha256 {s['sha256']})"
        lines.append(f"{s['label']}: {what}")
        runs = []
        for run, r in s["runs"].items():
            rps = "-" if r["rps"] is None else f"{r['rps']:,.0f}"
            runs.append(f"{run} {rps} req/s, {r['failed']} failed")
        lines.append("  runs: " + "; ".join(runs))
        names = ", ".join(f"{g} x{c}" for g, c in th["afterWarmupByName"].items())
        perf_t = "" if th["afterPerf"] is None else f", perf {th['afterPerf']}"
        lines.append(f"  threads after warm-up: {th['afterWarmup']} ({names})")
        lines.append(f"  threads after the untraced run {th['afterUntraced']}, traced {th['afterTraced']}{perf_t}; "
                     f"strace attached to {th['straceAttached']} of {th['atAttach']}")
        lines.append(f"  untraced run: CPU {u['cpuSecondsPer10k']:.2f} s per 10k requests; context switches per "
                     f"request: voluntary {u['voluntaryCsPerRequest']:.3f}, involuntary {u['involuntaryCsPerRequest']:.3f}")
        lines += render_threads(s)
    if result["failures"]:
        lines.append("")
        lines.append("FAILURES:")
        lines += [f"  {f}" for f in result["failures"]]
    lines.append("")
    lines.append("result: " + ("OK" if result["ok"] else "FAILED (failed requests, or strace missed threads)"))
    return "\n".join(lines) + "\n"


def render_threads(s):
    """Per thread, per request: the 4 busiest threads alone, then the rest grouped by name."""
    n, perf = s["requests"], s["perf"] is not None
    if perf:
        what = ["  per thread, per request (the 4 busiest by syscalls alone, then the rest grouped by name; syscalls",
                "  from the perf run, CPU and context switches from the untraced run):"]
    else:
        what = ["  per thread, per request (the 4 busiest by CPU alone, then the rest grouped by name; no perf run,",
                "  so no syscalls per thread; CPU and context switches from the untraced run):"]
    lines = what + [
             f"    {'thread':<32} {'threads':>7} {'syscalls':>9} {'futex':>8} {'non-futex':>9} {'CPU s/10k':>9} "
             f"{'vol cs':>7} {'invol cs':>8}"]
    ts = s["perThread"] if perf else sorted(s["perThread"], key=lambda t: -t.get("cpuSeconds", 0))

    def row(name, k, sel):
        has = lambda key: any(key in t for t in sel)
        tot = lambda key: sum(t.get(key, 0) for t in sel)
        sc = lambda key, scale=1.0: f"{tot(key) / n * scale:.3f}" if has(key) else "-"
        nf = f"{(tot('all') - tot('futex')) / n:.3f}" if has("all") else "-"
        cpu = f"{tot('cpuSeconds') / n * 10000:.3f}" if has("cpuSeconds") else "-"
        return (f"    {name[:32]:<32} {k:>7} {sc('all') if perf else '-':>9} {sc('futex') if perf else '-':>8} "
                f"{nf if perf else '-':>9} {cpu:>9} {sc('vcs'):>7} {sc('nvcs'):>8}")

    for t in ts[:4]:
        tid = f" ({t['tid']})"
        lines.append(row(t["name"][:32 - len(tid)] + tid, 1, [t]))
    groups = {}
    for t in ts[4:]:
        groups.setdefault(thread_group(t["name"]), []).append(t)
    quiet = 0
    for g, sel in sorted(groups.items(), key=lambda kv: (-sum(t.get("all", 0) for t in kv[1]),
                                                          -sum(t.get("cpuSeconds", 0) for t in kv[1]))):
        if not any(t.get("all") or t.get("cpuSeconds") or t.get("vcs") for t in sel):
            quiet += len(sel)
            continue
        lines.append(row(g, len(sel), sel))
    if quiet:
        lines.append(f"    ({quiet} more threads made no syscall and used no CPU)")
    return lines


def syscalls_check(outdir):
    problems = []
    try:
        with open(os.path.join(outdir, "syscalls.json")) as f:
            j = json.load(f)
        if not j["servers"]:
            problems.append("no server in syscalls.json")
        for s in j["servers"]:
            for run, r in s["runs"].items():
                if r["failed"] or r["rps"] is None:
                    problems.append(f"{s['label']} {run}: {r['failed']} failed requests")
            if s["perRequest"]["strace"]["all"] < 5:  # accept, read, write or sendfile, close, ...
                problems.append(f"{s['label']}: only {s['perRequest']['strace']['all']:.2f} syscalls per request under strace")
            if s["perf"] is not None and s["perRequest"]["perf"]["all"] < 5:
                problems.append(f"{s['label']}: only {s['perRequest']['perf']['all']:.2f} syscalls per request under perf")
            if s["threads"]["afterWarmup"] < 1 or s["threads"]["straceAttached"] != s["threads"]["atAttach"]:
                problems.append(f"{s['label']}: threads {s['threads']}")
    except (OSError, ValueError, KeyError, TypeError) as e:
        problems.append(f"syscalls.json: {e}")
    if not read(os.path.join(outdir, "syscalls.txt")).startswith("syscalls per request"):
        problems.append("syscalls.txt is missing")
    for p in problems:
        print(f"syscalls: smoke check: {p}", file=sys.stderr)
    if not problems:
        print("syscalls: smoke check: the table and syscalls.json are in place, and the counts are plausible")
    return 1 if problems else 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "ports":
        ports(int(argv[1]))
        return 0
    if len(argv) in (4, 5) and argv[0] == "wait":
        return wait(argv[1], int(argv[2]), float(argv[3]), argv[4] if len(argv) == 5 else None)
    if len(argv) == 5 and argv[0] == "first200":
        return first200(argv[1], argv[2], argv[3], float(argv[4]))
    if len(argv) == 3 and argv[0] == "report":
        return report(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "check":
        return check(argv[1])
    if len(argv) == 3 and argv[0] == "ab-report":
        return ab_report(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "ab-check":
        return ab_check(argv[1])
    if len(argv) >= 1 and argv[0] == "tasks":
        return tasks(argv[1:])
    if len(argv) == 2 and argv[0] == "strace-names":
        print(" ".join(parse_strace_c(argv[1])))
        return 0
    if len(argv) == 3 and argv[0] == "syscalls-report":
        return syscalls_report(argv[1], argv[2])
    if len(argv) == 2 and argv[0] == "syscalls-check":
        return syscalls_check(argv[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
