"""Benchmark: `auditor check` on a generated 1,000-service stack (target: under 1 s on 2 cores).

Run: `python tests/benchmarks/bench_check.py [SERVICES]`. Not a test: timings belong here, not in
pass/fail assertions. Prints the best wall time of several in-process runs and one cold CLI run.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path


def generate(root: Path, n: int) -> None:
    compose = ["services:"]
    env = []
    nginx = ["server {", "    listen 443 ssl;", "    server_name app.example.org;",
             "    ssl_protocols TLSv1.2 TLSv1.3;"]
    for i in range(n):
        port = 10000 + i
        compose += [
            f"  svc{i}:", f"    image: example/app{i % 7}:1.{i}",
            "    ports:", f'      - "127.0.0.1:{port}:8080"',
            "    environment:", f"      API_URL: http://svc{(i + 1) % n}:8080/",
            f"      NEXT_PUBLIC_SVC{i}_URL: https://app.example.org/svc{i}/",
        ]
        if i:
            compose += ["    depends_on:", f"      - svc{i - 1}"]
        env.append(f"SVC{i}_PORT={port}")
        nginx += [f"    location /svc{i}/ {{", f"        proxy_pass http://127.0.0.1:{port}/;", "    }"]
    nginx.append("}")
    (root / "docker-compose.yml").write_text("\n".join(compose) + "\n")
    (root / ".env").write_text("\n".join(env) + "\n")
    (root / "nginx").mkdir()
    (root / "nginx" / "app.conf").write_text("\n".join(nginx) + "\n")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    from auditor import engine
    from auditor.config import Config

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, n)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            report = engine.check([root], Config())
            times.append(time.perf_counter() - start)
        print(f"{n} services: in-process best {min(times):.3f} s, median {sorted(times)[2]:.3f} s, "
              f"{len(report.findings)} findings")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "auditor", "check", str(root), "--format", "json"],
                       capture_output=True, check=False)
        print(f"{n} services: cold CLI run {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
