"""`auditor snapshot` and `check --live-now` against fake docker/nginx/ss/aws on PATH.

The fakes (snapshot_fakes.py) print outputs recorded from the harena host (fixtures/live/harena),
plus the odd ones real hosts give: both `compose ps` shapes, empty output, errors, permission
denials, non-UTF-8 bytes, a tool that hangs or floods.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from snapshot_fakes import (COMMAND_SECRET, FIXTURES, HARENA_ENV, HARENA_LIVE, SECRET_LABEL, Fakes, harena_fakes,
                            harena_inspect, harena_ps)

HARENA = FIXTURES / "harena"
AWS_ENV = {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
           "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEBYaDExampleSessionTokenValue1234567890"}


@pytest.fixture
def on_path(monkeypatch):
    """Make a Fakes folder the whole PATH (the host's real tools out of sight)."""
    def use(fakes: Fakes) -> Fakes:
        monkeypatch.setenv("PATH", fakes.path)
        for k, v in AWS_ENV.items():
            monkeypatch.setenv(k, v)
        return fakes
    return use


def _runner() -> CliRunner:
    # click < 8.2 mixes stderr (the snapshot's progress lines) into stdout unless told not to;
    # 8.2 always keeps them apart and no longer takes the argument
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def snapshot(*args: str):
    result = CliRunner().invoke(cli, ["snapshot", *args], catch_exceptions=False)
    return result


def check_json(*args: str) -> dict:
    result = _runner().invoke(cli, ["check", *args, "--format", "json", "--fail-on", "never"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def statuses(folder: Path) -> list[tuple[str, str, str]]:
    return [(e["source"], e["status"], e["file"] or "") for e in manifest(folder)["sources"]]


def drift(report: dict) -> list[tuple[str, str]]:
    return sorted((f["path"], f["message"]) for f in report["findings"] if f["rule"] == "DRF002")


HARENA_DRIFT = sorted([
    ("aws/security-groups.json",
     "declared rule of 'harena-allinone-sg-dev' (sg-0aa65b430c3e93bad) opens tcp/5432 from 0.0.0.0/0, but the live "
     "security groups (live:describe-security-groups.json) do not"),
    ("live:describe-security-groups.json",
     "live security group 'harena-allinone-sg-dev' (sg-0aa65b430c3e93bad) opens tcp/5432 from sg-0aa65b430c3e93bad, "
     "but no declared rule (aws/security-groups.json) does"),
    ("live:describe-security-groups.json",
     "live security group 'harena-allinone-sg-dev' (sg-0aa65b430c3e93bad) opens tcp/8080 from 0.0.0.0/0, but no "
     "declared rule (aws/security-groups.json) does"),
    ("live:docker-compose-ps.harena.{ext}",
     "container 'harena_elasticsearch' publishes 0.0.0.0:9200->9200/tcp live, but compose does not declare it for "
     "service 'elasticsearch'"),
    ("live:ss-ltnp.txt",
     "process 'cloudflared' listens on 127.0.0.1:20241/tcp on the live host, but nothing in the repo declares that "
     "port (no compose port, no nginx listen)"),
])


def expected_drift(ext: str) -> list[tuple[str, str]]:
    return sorted((p.format(ext=ext), m) for p, m in HARENA_DRIFT)


# ---------------------------------------------------------------- what it must show


@pytest.mark.parametrize("shape,ext", [("array", "json"), ("json-lines", "jsonl")])
def test_snapshot_then_check_reports_exactly_the_planted_drift(tmp_path, on_path, shape, ext):
    fakes = on_path(harena_fakes(tmp_path / "fakes", shape))
    live = tmp_path / "live"
    result = snapshot("-o", str(live), "--project-dir", str(HARENA))
    assert result.exit_code == 0, result.output
    assert statuses(live) == [
        ("docker", "collected", f"docker-compose-ps.harena.{ext}"),
        ("docker", "collected", "docker-inspect.json"),
        ("nginx", "collected", "nginx-T.nginx.txt"),
        ("sockets", "collected", "ss-ltnp.txt"),
        ("aws", "collected", "describe-security-groups.json"),
    ]
    report = check_json(str(HARENA), "--live", str(live))
    assert drift(report) == expected_drift(ext)
    # Every snapshot loads cleanly; the manifest is not taken for one.
    assert [f for f in report["findings"] if f["path"].startswith("live:") and f["rule"].startswith("AUD")] == []
    assert {f["path"] for f in report["files"] if f["path"].startswith("live:")} == {
        f"live:{n}" for n in os.listdir(live) if n != "manifest.json"}
    # Argument lists, as a user would type them: no shell anywhere.
    calls = fakes.calls()
    assert ["docker", "compose", "--project-name", "harena", "ps", "--all", "--format", "json"] in calls
    assert ["aws", "ec2", "describe-security-groups", "--output", "json", "--group-ids", "sg-0aa65b430c3e93bad"] in calls


def test_no_file_of_the_snapshot_holds_an_environment_value(tmp_path, on_path):
    on_path(harena_fakes(tmp_path / "fakes"))
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA)).exit_code == 0
    # Digits-only values (PORT=3000) are port numbers Docker publishes, not something to hide.
    forbidden = [v for v in (*HARENA_ENV.values(), *AWS_ENV.values(), SECRET_LABEL[1], COMMAND_SECRET)
                 if not v.isdigit()]
    forbidden += ["Harena-pg-S3cret-2025", "$apr1$"]
    for name in os.listdir(live):
        data = (live / name).read_text()
        for value in forbidden:
            assert value not in data, (name, value)
    inspect = json.loads((live / "docker-inspect.json").read_text())
    assert all("Env" not in c["Config"] and "Cmd" not in c["Config"] and "Args" not in c for c in inspect)
    assert all(set(c["Config"]["Labels"]) == {"com.docker.compose.project", "com.docker.compose.service",
                                              "com.docker.compose.project.working_dir"} for c in inspect)
    assert "Command" not in (live / "docker-compose-ps.harena.json").read_text()


def test_manifest_says_what_when_where_and_which_versions(tmp_path, on_path):
    on_path(harena_fakes(tmp_path / "fakes"))
    live = tmp_path / "live"
    snapshot("-o", str(live), "--project-dir", str(HARENA))
    m = manifest(live)
    assert list(m)[0] == "auditor_snapshot"
    assert m["host"] and m["started"] <= m["finished"]
    assert m["versions"] == {"aws": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12",
                             "docker": "Docker version 27.3.1, build ce12230", "docker compose": "2.29.7",
                             "ss": "ss utility, iproute2-6.1.0"}
    assert all(e["started"] for e in m["sources"])
    ps = m["sources"][0]
    assert ps["detail"] == {"shape": "array", "containers": len(harena_ps()), "via": "docker compose ps"}
    assert oct(os.stat(live).st_mode & 0o777) == "0o700"
    assert all(oct(os.stat(live / n).st_mode & 0o777) == "0o600" for n in os.listdir(live))


def test_live_now_snapshots_and_checks_in_one_go(tmp_path, on_path, monkeypatch):
    on_path(harena_fakes(tmp_path / "fakes"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    report = check_json(str(HARENA), "--live-now", "--select", "DRF002")
    assert drift(report) == expected_drift("json")
    assert os.listdir(tmp_path / "tmp") == []  # the temporary folder is gone


def test_live_and_live_now_exclude_each_other(tmp_path):
    result = CliRunner().invoke(cli, ["check", str(HARENA), "--live", str(tmp_path), "--live-now"])
    assert result.exit_code == 2 and "exclude each other" in result.output


# ---------------------------------------------------------------- odd hosts


def test_a_host_without_any_tool_gives_a_manifest_not_a_crash(tmp_path, on_path):
    on_path(Fakes(tmp_path / "fakes"))
    live = tmp_path / "live"
    result = snapshot("-o", str(live), "--project-dir", str(HARENA))
    assert result.exit_code == 0, result.output
    m = manifest(live)
    assert [(e["source"], e["status"], e["reason"]) for e in m["sources"]] == [
        ("docker", "unavailable", "docker: not found on PATH"),
        ("nginx", "unavailable", "docker: not found on PATH"),
        ("sockets", "unavailable", "neither ss nor netstat is on PATH"),
        ("aws", "unavailable", "aws: not found on PATH"),
    ]
    assert os.listdir(live) == ["manifest.json"]
    report = check_json(str(HARENA), "--live", str(live))
    assert drift(report) == [] and not [f for f in report["findings"] if f["path"].startswith("live:")]


def test_docker_permission_denied_is_a_reason(tmp_path, on_path):
    denied = ("permission denied while trying to connect to the Docker daemon socket at "
              "unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.47/containers/json\": "
              "dial unix /var/run/docker.sock: connect: permission denied\n")
    f = Fakes(tmp_path / "fakes")
    f.answer("docker", ["--version"], "Docker version 27.3.1, build ce12230\n")
    f.answer("docker", ["compose"], stderr=denied, exit=1)
    f.answer("docker", ["ps"], stderr=denied, exit=1)
    f.answer("ss", ["-ltnp"], HARENA_LIVE / "ss-ltnp.txt")
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "docker,sockets").exit_code == 0
    (docker, sockets) = manifest(live)["sources"]
    assert docker["status"] == "unavailable"
    assert docker["reason"].startswith("docker: exit status 1: permission denied while trying to connect")
    assert "; then docker: exit status 1: permission denied" in docker["reason"]
    assert sockets["status"] == "collected"


def test_without_the_compose_plugin_docker_ps_finds_the_containers(tmp_path, on_path):
    f = Fakes(tmp_path / "fakes")
    f.answer("docker", ["compose"], stderr="docker: 'compose' is not a docker command.\n", exit=1)
    lines = "".join(json.dumps({"ID": o["ID"], "Names": o["Name"], "State": o["State"],
                                "Labels": f"com.docker.compose.project=harena,com.docker.compose.service={o['Service']},"
                                          f"com.docker.compose.project.config_files=/h/a.yml,/h/b.yml,"
                                          f"{SECRET_LABEL[0]}={SECRET_LABEL[1]}",
                                "Ports": ", ".join(f"{p['URL']}:{p['PublishedPort']}->{p['TargetPort']}/tcp"
                                                   for p in o.get("Publishers") or () if p["PublishedPort"]),
                                "Command": f"\"/entrypoint --password {COMMAND_SECRET}\""}) + "\n"
                    for o in harena_ps())
    f.answer("docker", ["ps", "--all", "--no-trunc", "--filter", "label=com.docker.compose.project=harena",
                        "--format", "{{json .}}"], lines)
    f.answer("docker", ["inspect"], "[]")
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "docker").exit_code == 0
    (ps, inspect) = manifest(live)["sources"]
    assert (ps["status"], ps["detail"]["via"], ps["file"]) == ("collected", "docker ps", "docker-compose-ps.harena.jsonl")
    text = (live / "docker-compose-ps.harena.jsonl").read_text()
    assert COMMAND_SECRET not in text and SECRET_LABEL[1] not in text and "traefik" not in text
    assert "config_files=/h/a.yml,/h/b.yml" in text
    report = check_json(str(HARENA), "--live", str(live), "--select", "DRF002")
    assert [m for _, m in drift(report)] == [
        "container 'harena_elasticsearch' publishes 0.0.0.0:9200->9200/tcp live, but compose does not declare it "
        "for service 'elasticsearch'"]


@pytest.mark.parametrize("output,status,reason", [
    ("", "collected", "no container of this project exists on the host"),
    ("\n\n", "collected", "no container of this project exists on the host"),
    ("[{\"ID\": \"abc\", ", "unavailable", "docker compose ps printed a JSON array that does not parse"),
    ("Error response from daemon: ...\n", "unavailable", "docker compose ps printed line 1 that is not JSON"),
    ("[1, 2]\n", "collected", ""),
])
def test_odd_compose_ps_outputs(tmp_path, on_path, output, status, reason):
    f = Fakes(tmp_path / "fakes")
    f.answer("docker", ["compose", "--project-name"], output)
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "docker").exit_code == 0
    (ps,) = manifest(live)["sources"]
    assert ps["status"] == status and ps["reason"].startswith(reason)
    report = check_json(str(HARENA), "--live", str(live))
    assert not [f for f in report["findings"] if f["rule"] == "DRF002"]


def test_non_utf8_bytes_are_replaced_not_fatal(tmp_path, on_path):
    dump = (HARENA_LIVE / "nginx-T.txt").read_bytes().replace(b"server {", b"# caf\xe9 \xff\nserver {", 1)
    nginx_id = next(o["ID"] for o in harena_ps() if o["Service"] == "nginx")
    f = Fakes(tmp_path / "fakes")
    f.answer("docker", ["compose", "--project-name"], HARENA_LIVE / "docker-compose-ps.json")
    f.answer("docker", ["exec", nginx_id, "nginx", "-T"], dump)
    f.answer("ss", ["-ltnp"], b"State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
                              b"LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:((\"sshd\xff\",pid=1,fd=3))\n")
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "nginx,sockets").exit_code == 0
    entries = {e["source"]: e for e in manifest(live)["sources"]}
    assert entries["nginx"]["status"] == "collected" and entries["nginx"]["detail"]["non_utf8_replaced"] is True
    assert entries["sockets"]["detail"]["non_utf8_replaced"] is True
    assert sorted(os.listdir(live)) == ["manifest.json", "nginx-T.nginx.txt", "ss-ltnp.txt"]
    report = check_json(str(HARENA), "--live", str(live), "--select", "DRF002,AUD001,AUD002")
    # Both load; the dump agrees with the repo's nginx (the odd bytes sat in a comment).
    assert [f for f in report["findings"] if f["path"].startswith("live:") and f["rule"] != "DRF002"] == []
    assert [f for f in report["findings"] if f["path"].startswith("live:nginx")] == []


def test_a_tool_that_hangs_is_cut_off(tmp_path, on_path):
    f = Fakes(tmp_path / "fakes")
    f.answer("ss", ["-ltnp"], "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n", sleep=30)
    on_path(f)
    live = tmp_path / "live"
    result = snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "sockets", "--timeout", "1")
    assert result.exit_code == 0
    (ss,) = manifest(live)["sources"]
    assert (ss["status"], ss["reason"]) == ("unavailable", "ss: no answer within 1 s")
    assert ss["seconds"] < 10


def test_an_output_past_the_size_bound_is_not_kept(tmp_path, on_path):
    from auditor.snapshot import take_snapshot

    f = Fakes(tmp_path / "fakes")
    f.answer("ss", ["-ltnp"], "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n" * 10000)
    on_path(f)
    live = tmp_path / "live"
    take_snapshot(live, HARENA, ["sockets"], max_bytes=4096)
    (ss,) = manifest(live)["sources"]
    assert (ss["status"], ss["reason"]) == ("unavailable", "ss: output larger than 4096 bytes")
    assert os.listdir(live) == ["manifest.json"]


def test_netstat_where_ss_is_missing(tmp_path, on_path):
    f = Fakes(tmp_path / "fakes")
    f.answer("netstat", ["-ltnp"],
             "Active Internet connections (only servers)\n"
             "Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name\n"
             "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      612/sshd: /usr/sbin\n"
             "tcp        0      0 127.0.0.1:20241         0.0.0.0:*               LISTEN      977/cloudflared\n"
             "tcp6       0      0 :::80                   :::*                    LISTEN      4410/docker-proxy\n")
    f.answer("netstat", ["--version"], "net-tools 2.10\n")
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "sockets").exit_code == 0
    assert statuses(live) == [("sockets", "collected", "netstat-ltnp.txt")]
    report = check_json(str(HARENA), "--live", str(live), "--select", "DRF002,AUD")
    assert [(f["path"], f["line"], f["message"]) for f in report["findings"] if f["path"].startswith("live:")] == [
        ("live:netstat-ltnp.txt", 4,
         "process 'cloudflared' listens on 127.0.0.1:20241/tcp on the live host, but nothing in the repo declares "
         "that port (no compose port, no nginx listen)")]


def test_aws_without_credentials(tmp_path, on_path):
    f = Fakes(tmp_path / "fakes")
    f.answer("aws", ["--version"], "aws-cli/2.15.0 Python/3.11.6\n")
    f.answer("aws", ["ec2"], stderr="\nUnable to locate credentials. You can configure credentials by running "
                                    "\"aws configure\".\n", exit=255)
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "aws").exit_code == 0
    (e,) = manifest(live)["sources"]
    assert e["status"] == "unavailable"
    assert e["reason"].startswith("aws: exit status 255: Unable to locate credentials")


def test_a_deleted_group_does_not_hide_the_others(tmp_path, on_path):
    root = tmp_path / "repo"
    root.mkdir()
    groups = json.loads(harena_security_groups_text())
    second = json.loads(json.dumps(groups["SecurityGroups"][0]))
    second["GroupId"], second["GroupName"] = "sg-0bbbbbbbbbbbbbbbb", "gone"
    (root / "security-groups.json").write_text(json.dumps({"SecurityGroups": [groups["SecurityGroups"][0], second]}))
    f = Fakes(tmp_path / "fakes")
    f.answer("aws", ["ec2", "describe-security-groups", "--output", "json", "--group-ids", "sg-0aa65b430c3e93bad",
                     "sg-0bbbbbbbbbbbbbbbb"],
             stderr="\nAn error occurred (InvalidGroup.NotFound) when calling the DescribeSecurityGroups operation: "
                    "The security group 'sg-0bbbbbbbbbbbbbbbb' does not exist\n", exit=254)
    f.answer("aws", ["ec2", "describe-security-groups", "--output", "json", "--group-ids", "sg-0aa65b430c3e93bad"],
             harena_security_groups_text())
    f.answer("aws", ["ec2", "describe-security-groups", "--output", "json", "--group-ids", "sg-0bbbbbbbbbbbbbbbb"],
             stderr="\nAn error occurred (InvalidGroup.NotFound) when calling the DescribeSecurityGroups operation: "
                    "The security group 'sg-0bbbbbbbbbbbbbbbb' does not exist\n", exit=254)
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(root), "--source", "aws").exit_code == 0
    assert statuses(live) == [("aws", "collected", "describe-security-groups.json"), ("aws", "unavailable", "")]
    assert [g["GroupId"] for g in json.loads((live / "describe-security-groups.json").read_text())["SecurityGroups"]] \
        == ["sg-0aa65b430c3e93bad"]


def harena_security_groups_text() -> str:
    from snapshot_fakes import harena_security_groups

    return harena_security_groups()


# ---------------------------------------------------------------- the output folder


def test_a_symlinked_folder_is_refused(tmp_path, on_path):
    on_path(harena_fakes(tmp_path / "fakes"))
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "live").symlink_to(target)
    result = snapshot("-o", str(tmp_path / "live"), "--project-dir", str(HARENA))
    assert result.exit_code == 2 and "is a symlink" in result.output
    assert os.listdir(target) == []


def test_a_folder_with_other_content_is_refused(tmp_path, on_path):
    on_path(harena_fakes(tmp_path / "fakes"))
    live = tmp_path / "live"
    live.mkdir()
    (live / "notes.txt").write_text("mine")
    result = snapshot("-o", str(live), "--project-dir", str(HARENA))
    assert result.exit_code == 2 and "holds no auditor snapshot" in result.output
    assert os.listdir(live) == ["notes.txt"]


def test_a_planted_symlink_is_replaced_not_followed(tmp_path, on_path):
    on_path(harena_fakes(tmp_path / "fakes"))
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "sockets").exit_code == 0
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (live / "ss-ltnp.txt").unlink()
    (live / "ss-ltnp.txt").symlink_to(victim)
    os.link(victim, live / "describe-security-groups.json")  # a hard link under a name it writes
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "sockets,aws").exit_code == 0
    assert victim.read_text() == "untouched"
    assert not (live / "ss-ltnp.txt").is_symlink()


def test_a_new_snapshot_removes_the_previous_files(tmp_path, on_path):
    fakes = on_path(harena_fakes(tmp_path / "fakes"))
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA)).exit_code == 0
    assert "ss-ltnp.txt" in os.listdir(live)
    (Path(fakes.bin) / "ss").unlink()
    assert snapshot("-o", str(live), "--project-dir", str(HARENA)).exit_code == 0
    # Yesterday's listeners are not compared as today's.
    assert "ss-ltnp.txt" not in os.listdir(live)


def test_unknown_source_is_a_usage_error(tmp_path):
    result = snapshot("-o", str(tmp_path / "live"), "--project-dir", str(HARENA), "--source", "kubernetes")
    assert result.exit_code == 2 and "choose among docker, nginx, sockets, aws" in result.output


def _snapshot_nginx_dump(tmp_path, on_path, comment: str, env_entry: str) -> Path:
    """A harena snapshot whose `nginx -T` dump carries `comment` before its first server and whose
    containers all have `env_entry` in their environment; the snapshot folder."""
    nginx_id = next(o["ID"] for o in harena_ps() if o["Service"] == "nginx")
    dump = (HARENA_LIVE / "nginx-T.txt").read_text().replace("server {", f"# {comment}\nserver {{", 1)
    inspect = json.loads(harena_inspect())
    for c in inspect:
        c["Config"]["Env"].append(env_entry)
    f = Fakes(tmp_path / "fakes")
    f.answer("docker", ["compose", "--project-name"], HARENA_LIVE / "docker-compose-ps.json")
    f.answer("docker", ["inspect"], json.dumps(inspect))
    f.answer("docker", ["exec", nginx_id, "nginx", "-T"], dump)
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(HARENA), "--source", "docker,nginx").exit_code == 0
    return live


def test_nginx_dump_keeps_config_that_an_environment_repeats_but_masks_its_secrets(tmp_path, on_path):
    """`SEARCH_URL=http://search_service:3001` is set in a container and proxied to by nginx:
    masking it in the dump would fake a drift; the database password, pasted in a comment, goes."""
    live = _snapshot_nginx_dump(tmp_path, on_path, f"db: {HARENA_ENV['POSTGRES_PASSWORD']}",
                                "SEARCH_URL=http://search_service:3001")
    text = (live / "nginx-T.nginx.txt").read_text()
    assert "proxy_pass http://search_service:3001" in text
    assert HARENA_ENV["POSTGRES_PASSWORD"] not in text
    report = check_json(str(HARENA), "--live", str(live), "--select", "DRF002")
    assert [m for p, m in drift(report) if p.startswith("live:nginx")] == []


def test_a_folder_inside_the_repository_is_live_state_not_config(tmp_path, on_path):
    import shutil

    on_path(harena_fakes(tmp_path / "fakes"))
    root = tmp_path / "harena"
    shutil.copytree(HARENA, root)
    for _ in range(2):  # the second run must not read the first one's files as declared config
        assert snapshot("-o", str(root / "live"), "--project-dir", str(root)).exit_code == 0
    report = check_json(str(root), "--live", str(root / "live"), "--select", "DRF002")
    assert drift(report) == sorted((p.replace("live:", "live/"), m.replace("live:", "live/"))
                                   for p, m in expected_drift("json"))


def test_groups_known_by_name_only_are_asked_by_name(tmp_path, on_path):
    root = tmp_path / "repo"
    root.mkdir()
    (root / "sg.tf").write_text('resource "aws_security_group" "web" {\n  name = "web-sg"\n  ingress {\n'
                                '    from_port = 443\n    to_port = 443\n    protocol = "tcp"\n'
                                '    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')
    f = Fakes(tmp_path / "fakes")
    f.answer("aws", ["ec2", "describe-security-groups", "--output", "json", "--filters",
                     "Name=group-name,Values=web-sg"], json.dumps({"SecurityGroups": []}))
    on_path(f)
    live = tmp_path / "live"
    assert snapshot("-o", str(live), "--project-dir", str(root), "--source", "aws").exit_code == 0
    (e,) = manifest(live)["sources"]
    assert (e["status"], e["detail"], e["file"]) == ("collected", {"groups": 0}, "describe-security-groups.json")


def test_a_short_secret_of_a_container_is_masked_in_the_nginx_dump(tmp_path, on_path):
    """Secrets go through the reports' one Masker, whatever their length (issue 11 §3): a
    five-character `API_TOKEN` pasted into the dump does not reach the disk."""
    live = _snapshot_nginx_dump(tmp_path, on_path, "Zq8#v", "API_TOKEN=Zq8#v")
    assert "Zq8#v" not in (live / "nginx-T.nginx.txt").read_text()
