"""A real `nginx -T` (Debian's nginx) over the seed fixtures' nginx configs, read back as a live
snapshot: the dump's format is nginx's own, and it must agree with the repository it came from.

The seed files are copied unchanged, except for `ssl_certificate*` paths, pointed at a
throw-away self-signed pair (drift does not compare them). Upstream names such as
`user_service` only resolve inside Docker's network: nginx is then run in a private mount
namespace (`unshare`) where a copy of /etc/hosts names them; where that is not possible, those
seeds are skipped, saying why. CI installs nginx (.ci/run); elsewhere set AUDITOR_TEST_NGINX to
an nginx binary, or the test is skipped.
"""
from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor import engine
from auditor.cli import cli
from auditor.config import find_config, load_config
from snapshot_fakes import FIXTURES

NGINX = os.environ.get("AUDITOR_TEST_NGINX") or shutil.which("nginx") or (
    "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (CI installs Debian's nginx; set AUDITOR_TEST_NGINX to run here)")

# Where each seed's files sit on its host (as in its recorded dump, fixtures/live/<seed>/nginx-T.txt).
SEEDS = {"harena": ("nginx/conf.d", "conf.d"), "lecoffre_node": ("conf/nginx", "sites-enabled"),
         "clean_stack": ("nginx/conf.d", "conf.d")}
_SSL = re.compile(r"^(\s*ssl_certificate(?:_key)?\s+)(\S+?)(\s*;)", re.M)
_PROXY_HOST = re.compile(r"proxy_pass\s+https?://([^:/;\s$]+)")
_HOSTS_WRAPPER = """
import os, subprocess, sys
hosts, exe = sys.argv[1], sys.argv[2]
subprocess.run(["mount", "--bind", hosts, "/etc/hosts"], check=True)
os.execv(exe, [exe, *sys.argv[3:]])
"""


def _openssl_pair(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        if shutil.which("openssl") is None:
            pytest.skip("openssl is needed to make a throw-away certificate")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=seed.test",
                        "-days", "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def prefix_for(seed: str, tmp: Path) -> tuple[Path, set[str]]:
    """An nginx prefix holding the seed's files; the upstream host names they use."""
    repo_dir, sub = SEEDS[seed]
    conf = tmp / "nginx"
    (conf / sub).mkdir(parents=True)
    (tmp / "var").mkdir()
    cert, key = _openssl_pair(tmp)
    names: set[str] = set()
    for f in sorted((FIXTURES / seed / repo_dir).glob("*.conf")):
        text = f.read_text()
        text = _SSL.sub(lambda m: f"{m[1]}{key if m[0].strip().startswith('ssl_certificate_key') else cert}{m[3]}",
                        text)
        (conf / sub / f.name).write_text(text)
        for host in _PROXY_HOST.findall(text):
            try:
                ipaddress.ip_address(host.strip("[]"))
            except ValueError:
                names.add(host)
    temp = "\n".join(f"    {d}_temp_path {tmp / 'var' / d};" for d in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (conf / "nginx.conf").write_text(
        "error_log stderr;\npid %s;\nevents {}\nhttp {\n    access_log off;\n%s\n    include %s/conf.d/*.conf;\n"
        "    include %s/sites-enabled/*;\n}\n" % (tmp / "nginx.pid", temp, conf, conf))
    return conf, names


def nginx_dump(seed: str, tmp: Path) -> str:
    conf, names = prefix_for(seed, tmp)
    argv = [NGINX, "-T", "-c", str(conf / "nginx.conf")]
    if names:
        if shutil.which("unshare") is None:
            pytest.skip(f"{seed}'s upstreams ({', '.join(sorted(names))}) need unshare to resolve")
        hosts = tmp / "hosts"
        hosts.write_text(Path("/etc/hosts").read_text() + "".join(f"127.0.0.1 {n}\n" for n in sorted(names)))
        wrapper = tmp / "hosts_wrapper.py"
        wrapper.write_text(_HOSTS_WRAPPER)
        ns = ["-m", "--propagation", "private"] if os.geteuid() == 0 else ["-Urm"]
        argv = ["unshare", *ns, sys.executable, str(wrapper), str(hosts), *argv]
    r = subprocess.run(argv, capture_output=True, timeout=60)
    if names and r.returncode != 0 and b"host not found" not in r.stderr and b"[emerg]" not in r.stderr:
        pytest.skip(f"no private mount namespace here ({r.stderr.decode(errors='replace').strip()[:120]})")
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout.decode("utf-8")


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_real_nginx_dump_of_a_seed_agrees_with_the_seed(seed, tmp_path):
    dump = nginx_dump(seed, tmp_path)
    assert dump.count("# configuration file ") == 1 + len(list((FIXTURES / seed / SEEDS[seed][0]).glob("*.conf")))
    live = tmp_path / "live"
    live.mkdir()
    (live / "nginx-T.txt").write_text(dump)
    root = FIXTURES / seed
    config = load_config(find_config(root))
    graph, _ = engine.load_graph(root, [""], config, live=live)
    repo_servers = sum(len(c.servers) for c in graph.nginx)
    assert len(graph.live.nginx) == repo_servers > 0
    report = engine.check([root], config, select=["DRF002", "AUD001", "AUD002"], live=live)
    assert [(f.rule, f.message) for f in report.findings if f.path.startswith("live:")] == []
    assert [f.message for f in report.findings if f.rule == "DRF002" and "nginx" in f.message] == []


def test_snapshot_runs_the_real_nginx_on_the_host(tmp_path, monkeypatch):
    """lecoffre's nginx runs on the host: `auditor snapshot` runs `nginx -T` itself (here a
    one-line launcher that points the real nginx at the seed's files)."""
    conf, names = prefix_for("lecoffre_node", tmp_path)
    assert not names
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "nginx"
    launcher.write_text(f"#!{sys.executable}\nimport os, sys\n"
                        f"os.execv({NGINX!r}, [{NGINX!r}, *sys.argv[1:], '-c', {str(conf / 'nginx.conf')!r}])\n")
    launcher.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    live = tmp_path / "live"
    root = FIXTURES / "lecoffre_node"
    result = CliRunner().invoke(cli, ["snapshot", "-o", str(live), "--project-dir", str(root), "--source", "nginx"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads((live / "manifest.json").read_text())["sources"]
    assert (entry["status"], entry["file"]) == ("collected", "nginx-T.txt"), entry
    assert json.loads((live / "manifest.json").read_text())["versions"]["nginx"].startswith("nginx version: nginx/")
    report = engine.check([root], load_config(find_config(root)), select=["DRF002", "AUD001", "AUD002"], live=live)
    assert [(f.path, f.message) for f in report.findings if f.path.startswith("live:")] == []
