"""Fake `docker`, `nginx`, `ss`, `netstat` and `aws` executables for the snapshot tests.

Each fake is a small Python script (run by this interpreter, no shell) written into a temporary
`bin/` folder that becomes the whole PATH: the host's real tools are out of sight. A fake looks
up its argument list in `answers.json` (the first entry whose `args` is a prefix of its
arguments wins) and prints the recorded bytes, on stdout or stderr, with the recorded exit
status. Every call is appended to `calls.jsonl`, so tests can see the exact argument lists.
"""
from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Optional, Sequence, Union

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

_SCRIPT = """#!{python}
import base64, json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
state = os.path.dirname(here)
args = sys.argv[1:]
with open(os.path.join(state, "calls.jsonl"), "a") as log:
    log.write(json.dumps([{tool!r}, *args]) + "\\n")
answers = json.load(open(os.path.join(state, "answers.json")))
for a in answers.get({tool!r}, []):
    if args[:len(a["args"])] == a["args"]:
        if a.get("sleep"):
            time.sleep(a["sleep"])
        sys.stdout.buffer.write(base64.b64decode(a["stdout"]))
        sys.stderr.buffer.write(base64.b64decode(a["stderr"]))
        sys.exit(a["exit"])
sys.stderr.write({tool!r} + ": unknown arguments " + " ".join(args) + "\\n")
sys.exit(125)
"""

Data = Union[str, bytes, Path]


class Fakes:
    """A set of fake tools; `path` is the PATH to give the code under test."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        self.answers: dict[str, list[dict]] = {}
        self._save()

    @property
    def path(self) -> str:
        return str(self.bin)

    def tool(self, name: str) -> "Fakes":
        exe = self.bin / name
        exe.write_text(_SCRIPT.format(python=sys.executable, tool=name))
        exe.chmod(0o755)
        self.answers.setdefault(name, [])
        self._save()
        return self

    def answer(self, tool: str, args: Sequence[str], stdout: Data = b"", stderr: Data = b"", exit: int = 0,
               sleep: float = 0) -> "Fakes":
        if not (self.bin / tool).exists():
            self.tool(tool)
        self.answers[tool].append({"args": list(args), "stdout": _b64(stdout), "stderr": _b64(stderr),
                                   "exit": exit, "sleep": sleep})
        self._save()
        return self

    def calls(self) -> list[list[str]]:
        log = self.folder / "calls.jsonl"
        if not log.exists():
            return []
        return [json.loads(l) for l in log.read_text().splitlines()]

    def _save(self) -> None:
        (self.folder / "answers.json").write_text(json.dumps(self.answers))


def _b64(data: Data) -> str:
    if isinstance(data, Path):
        data = data.read_bytes()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(data).decode("ascii")


# ---------------------------------------------------------------- recorded outputs of harena

HARENA_LIVE = FIXTURES / "live" / "harena"
# Container environments as `docker inspect` shows them: every value must stay off the disk.
HARENA_ENV = {
    "POSTGRES_PASSWORD": "Harena-pg-S3cret-2025",
    "DATABASE_URL": "postgresql://harena:Harena-pg-S3cret-2025@postgres:5432/harena_db",
    "JWT_SECRET": "jwt-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "OPENAI_API_KEY": "sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "BRIDGE_CLIENT_ID": "bridge-client-7731-harena",
    "NODE_ENV": "production-eu-west",
    "PORT": "3000",
}
# Labels: Compose's own are kept; this one (Traefik basic auth) must not be.
SECRET_LABEL = ("traefik.http.middlewares.auth.basicauth.users", "admin:$apr1$Zx8Qm1Vb$Kq0oX2w3LwQm9pX1sK8xZ/")
COMMAND_SECRET = "cmdline-Secret-Value-4242"


def harena_ps() -> list[dict]:
    return json.loads((HARENA_LIVE / "docker-compose-ps.json").read_text())


def as_json_lines(objects: list[dict]) -> str:
    """The same containers as Compose 2.21+ prints them: one object per line, Labels as text."""
    return "".join(json.dumps(o) + "\n" for o in objects)


def harena_inspect(objects: Optional[list[dict]] = None) -> str:
    """`docker inspect` of the harena containers, built from their `compose ps` objects."""
    out = []
    for o in objects if objects is not None else harena_ps():
        ports: dict[str, list] = {}
        for p in o.get("Publishers") or ():
            key = f"{p['TargetPort']}/{p['Protocol']}"
            if p["PublishedPort"]:
                bound = ports.get(key) or []
                ports[key] = [*bound, {"HostIp": p["URL"], "HostPort": str(p["PublishedPort"])}]
            else:
                ports.setdefault(key, None)  # type: ignore[arg-type]  # exposed only
        running = o["State"] == "running"
        out.append({
            "Id": o["ID"] + "0" * 52, "Name": "/" + o["Name"], "Created": "2025-11-06T09:12:44Z",
            "Path": "/entrypoint", "Args": ["--password", COMMAND_SECRET],
            "State": {"Status": o["State"], "Running": running, "ExitCode": o.get("ExitCode", 0)},
            "Image": "sha256:" + "ab" * 32,
            "Config": {
                "Hostname": o["ID"], "Env": [f"{k}={v}" for k, v in HARENA_ENV.items()] + ["PATH=/usr/local/bin:/usr/bin"],
                "Cmd": ["--password", COMMAND_SECRET], "Image": o["Image"],
                "Labels": {"com.docker.compose.project": o["Project"], "com.docker.compose.service": o["Service"],
                           "com.docker.compose.project.working_dir": "/home/ec2-user/harena",
                           SECRET_LABEL[0]: SECRET_LABEL[1]},
            },
            "HostConfig": {"NetworkMode": "harena_default", "PortBindings": ports},
            "NetworkSettings": {"Ports": ports if running else {}},
            "Mounts": [{"Source": "/home/ec2-user/harena/.env", "Destination": "/app/.env"}],
        })
    return json.dumps(out, indent=4)


def harena_security_groups() -> str:
    """`aws ec2 describe-security-groups` of the harena group, built from the recorded
    `describe-security-group-rules` answer (same rules, grouped the way the other call prints)."""
    rules = json.loads((HARENA_LIVE / "describe-security-group-rules.json").read_text())["SecurityGroupRules"]
    groups: dict[str, dict] = {}
    for r in rules:
        g = groups.setdefault(r["GroupId"], {
            "Description": "Harena all-in-one EC2 (dev)", "GroupName": "harena-allinone-sg-dev",
            "IpPermissions": [], "IpPermissionsEgress": [], "OwnerId": r["GroupOwnerId"],
            "GroupId": r["GroupId"], "VpcId": "vpc-0123456789abcdef0"})
        perm = {"IpProtocol": r["IpProtocol"], "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": [],
                "UserIdGroupPairs": []}
        if r["IpProtocol"] != "-1":
            perm["FromPort"], perm["ToPort"] = r["FromPort"], r["ToPort"]
        if "CidrIpv4" in r:
            perm["IpRanges"].append({"CidrIp": r["CidrIpv4"], **({"Description": r["Description"]}
                                                                 if r.get("Description") else {})})
        if "ReferencedGroupInfo" in r:
            perm["UserIdGroupPairs"].append({"GroupId": r["ReferencedGroupInfo"]["GroupId"],
                                             "UserId": r["ReferencedGroupInfo"]["UserId"],
                                             "Description": r.get("Description", "")})
        g["IpPermissionsEgress" if r["IsEgress"] else "IpPermissions"].append(perm)
    return json.dumps({"SecurityGroups": list(groups.values())}, indent=4)


def harena_fakes(folder: Path, ps_shape: str = "array") -> Fakes:
    """Every tool answering as on the harena host."""
    ps = harena_ps()
    ps_text = (HARENA_LIVE / "docker-compose-ps.json").read_text() if ps_shape == "array" else as_json_lines(ps)
    nginx_id = next(o["ID"] for o in ps if o["Service"] == "nginx")
    f = Fakes(folder)
    f.answer("docker", ["--version"], "Docker version 27.3.1, build ce12230\n")
    f.answer("docker", ["compose", "version", "--short"], "2.29.7\n")
    f.answer("docker", ["compose", "--project-name", "harena", "ps", "--all", "--format", "json"], ps_text)
    f.answer("docker", ["inspect"], harena_inspect(ps))
    f.answer("docker", ["exec", nginx_id, "nginx", "-T"], (HARENA_LIVE / "nginx-T.txt").read_bytes())
    f.answer("ss", ["-ltnp"], (HARENA_LIVE / "ss-ltnp.txt").read_bytes())
    f.answer("ss", ["-V"], "ss utility, iproute2-6.1.0\n")
    f.answer("aws", ["--version"], "aws-cli/2.15.0 Python/3.11.6 Linux/6.1.0 exe/x86_64.debian.12\n")
    f.answer("aws", ["ec2", "describe-security-groups"], harena_security_groups())
    return f
