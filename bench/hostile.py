"""The blow-up inputs of issue 11 §6: time and peak memory of `auditor check` on each.

A benchmark, not a test (nothing here is asserted in the suite): run it from the repository with
auditor installed in the running interpreter,

    python bench/hostile.py                 # every input, a table on stdout
    python bench/hostile.py --only env-dup  # some of them (comma-separated names)
    python bench/hostile.py --formats json,sarif,text  # each input in each report format

Each input is generated into a temporary folder and checked by a whole `python -m auditor check
DIR --format json` process (or each of `--formats`), as CI runs it: wall time from spawn to exit, CPU time (user +
system, steadier on a shared machine) and peak RSS (`ru_maxrss` from `wait4`); `--runs 3` shows
medians. The budget is 5 s and 300 MB per input; a process is stopped past
60 s or 2 GB (reported as over). The findings column shows what a person gets: the number of
findings, and of those per rule.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Callable

TIME_BUDGET = 5.0
RSS_BUDGET = 300 << 20
KILL_AFTER = 60
MEMORY_CAP = 2 << 30


def _write(root: Path, files: dict[str, str]) -> list[str]:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return []


def ports_one_service(root: Path) -> list[str]:
    """One service with 1,700 `"80:i"` ports: every pair claims host port 80 (PORT001)."""
    ports = "".join(f'      - "80:{i}"\n' for i in range(1, 1701))
    return _write(root, {"compose.yaml": f"services:\n  web:\n    image: nginx\n    ports:\n{ports}"})


def services_same_port(root: Path) -> list[str]:
    """2,000 services all publishing 8080:80."""
    body = "".join(f"  s{i}:\n    image: app\n    ports: ['8080:80']\n" for i in range(2000))
    return _write(root, {"compose.yaml": "services:\n" + body})


def expose_ranges(root: Path, count: int = 400) -> list[str]:
    """`expose: ["1-65535"]` repeated (400 and 3,000 times)."""
    expose = "".join('      - "1-65535"\n' for _ in range(count))
    return _write(root, {"compose.yaml": f"services:\n  web:\n    image: app\n    expose:\n{expose}"})


def address_ranges(root: Path) -> list[str]:
    """`127.0.x.y:1-65535:1-65535` x 120: full ranges on distinct addresses."""
    ports = "".join(f'      - "127.0.{i // 250}.{i % 250 + 1}:1-65535:1-65535"\n' for i in range(120))
    return _write(root, {"compose.yaml": f"services:\n  web:\n    image: app\n    ports:\n{ports}"})


def big_interpolation(root: Path) -> list[str]:
    """`"${BIG}"` four times with a 4 MiB value in `.env`."""
    return _write(root, {
        ".env": "BIG=" + "x" * (4 << 20) + "\n",
        "compose.yaml": "services:\n  web:\n    image: app\n    command: ['${BIG}', '${BIG}']\n"
                        "    environment:\n      A: ${BIG}\n      B: ${BIG}\n",
    })


def env_duplicates(root: Path) -> list[str]:
    """`.env` of `A=1` x 262,144 (1 MiB): 262,143 duplicate keys."""
    return _write(root, {".env": "A=1\n" * 262_144})


def markdown_sections(root: Path) -> list[str]:
    """Markdown of 13,000 sections with URLs and KEY=value code blocks (about 4.9 MB)."""
    section = ("## Service {i}\n\nReach it at https://svc{i}.example.com/api/{i} or "
               "postgres://app:pw{i}@db{i}:5432/app.\n\n```\nSVC{i}_URL=https://svc{i}.example.com\n"
               "SVC{i}_PASSWORD=Zq8vKp3Lm2Xw{i}\nSVC{i}_PORT=80{i}\n```\n\n| Variable | Valeur |\n"
               "|---|---|\n| SVC{i}_HOST | svc{i}.example.com |\n\n")
    return _write(root, {"docs/architecture.md": "".join(section.format(i=i) for i in range(13_000))})


def nginx_dump(root: Path) -> list[str]:
    """A live `nginx -T` dump of 30,000 sections (about 1.7 MB)."""
    parts = ["nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
             "# configuration file /etc/nginx/nginx.conf:\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n"]
    for i in range(30_000):
        parts.append(f"# configuration file /etc/nginx/conf.d/s{i}.conf:\nserver {{ listen {1000 + i % 5000}; }}\n")
    _write(root, {"compose.yaml": "services:\n  web:\n    image: app\n    ports: ['8080:80']\n",
                  "live/nginx-T.txt": "".join(parts)})
    return ["--live", str(root / "live")]


def secgroups_listeners(root: Path) -> list[str]:
    """Security-group rules (about 1 MB) against many host listeners."""
    perms = [{"IpProtocol": "tcp", "FromPort": 1000 + i, "ToPort": 1000 + i,
              "IpRanges": [{"CidrIp": f"10.{i // 250}.{i % 250}.0/24"}]} for i in range(6000)]
    sg = {"SecurityGroups": [{"GroupId": "sg-1", "GroupName": "web", "IpPermissions": perms}]}
    body = "".join(f"  s{i}:\n    image: app\n    ports: ['{2000 + i}:80']\n" for i in range(1500))
    return _write(root, {"security-groups.json": json.dumps(sg, indent=1), "compose.yaml": "services:\n" + body})


def urls_servers(root: Path) -> list[str]:
    """Env URLs (about 0.7 MB) against many nginx servers."""
    servers = "".join(f"server {{ listen 80; server_name h{i}.example.com; location / {{ proxy_pass "
                      f"http://127.0.0.1:{3000 + i % 1000}; }} }}\n" for i in range(3000))
    env = "".join(f"U{i}_URL=https://h{i % 4000}.example.com/p/{i}\n" for i in range(20_000))
    return _write(root, {"nginx/sites-enabled/all.conf": servers, ".env": env})


INPUTS: dict[str, Callable[[Path], list[str]]] = {
    "ports-one-service": ports_one_service,
    "services-same-port": services_same_port,
    "expose-400": expose_ranges,
    "expose-3000": lambda root: expose_ranges(root, 3000),
    "address-ranges": address_ranges,
    "big-interpolation": big_interpolation,
    "env-dup": env_duplicates,
    "markdown": markdown_sections,
    "nginx-T": nginx_dump,
    "secgroups-listeners": secgroups_listeners,
    "urls-servers": urls_servers,
}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def measure(root: Path, extra: list[str], fmt: str = "json") -> tuple[float, float, int, str, str]:
    """(seconds, CPU seconds, peak RSS bytes, findings summary, outcome) of one `auditor check`
    process writing format `fmt` (every format has its own ways to blow up: SARIF carries
    fixes). CPU time (user + system) is the steadier figure on a shared machine."""
    out = root.parent / f"report.{fmt}"
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "auditor", "check", str(root), "--format", fmt,
                             "--output", str(out), *extra], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=_limit)
    outcome = "ok"
    deadline = start + KILL_AFTER
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            outcome = "killed"
            break
        time.sleep(0.02)
    seconds = time.monotonic() - start
    cpu = usage.ru_utime + usage.ru_stime
    rss = usage.ru_maxrss * 1024  # kilobytes on Linux
    code = os.waitstatus_to_exitcode(status)
    if outcome == "ok" and code not in (0, 1):
        outcome = f"exit {code}: {proc.stderr.read().decode(errors='replace').strip()[:80]}"
    findings = ""
    if out.exists() and outcome == "ok" and fmt in ("json", "sarif"):
        doc = json.loads(out.read_text())
        rules = ([f["rule"] for f in doc["findings"]] if fmt == "json"
                 else [r["ruleId"] for run in doc["runs"] for r in run["results"]])
        counts = Counter(rules)
        findings = f"{len(rules)} (" + ", ".join(f"{r} {n}" for r, n in counts.most_common(4)) + ")"
    elif out.exists() and outcome == "ok":
        findings = f"{out.stat().st_size // 1024} KB of {fmt}"
    return seconds, cpu, rss, findings, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated input names")
    parser.add_argument("--runs", type=int, default=1, help="runs per input (medians are shown)")
    parser.add_argument("--formats", default="json", help="comma-separated report formats, each "
                        "measured on every input (json, sarif, text, github, html)")
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    names = [n for n in args.only.split(",") if n] or list(INPUTS)
    print(f"{'input':<30} {'size':>9} {'time':>7} {'CPU':>7} {'peak RSS':>9}  {'budget':<6}  findings")
    over = 0
    for name, fmt in [(n, f) for n in names for f in formats]:
        with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
            root = Path(tmp) / "tree"
            root.mkdir()
            extra = INPUTS[name](root)
            size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
            runs = [measure(root, extra, fmt) for _ in range(max(1, args.runs))]
        if len(formats) > 1:
            name = f"{name} ({fmt})"
        seconds = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        findings, outcome = runs[-1][3], next((r[4] for r in runs if r[4] != "ok"), "ok")
        within = outcome == "ok" and seconds < TIME_BUDGET and rss < RSS_BUDGET
        over += not within
        verdict = "ok" if within else "OVER"
        print(f"{name:<30} {size / 1024:>7.0f}KB {seconds:>6.2f}s {cpu:>6.2f}s {rss / (1 << 20):>7.0f}MB  {verdict:<6}  "
              f"{findings if outcome == 'ok' else outcome}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
