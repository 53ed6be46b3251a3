"""Coverage-guided fuzz targets for the compose and nginx loaders.

Each target takes one byte string, cuts it into several files (at `SEPARATOR`), writes them into
a scratch folder and loads them the way a scan would: the compose loader gets a base file, an
override, a file to include or extend and an env file; the nginx loader gets an entry and two
files it may include (globs, cycles, `..`). A target fails (raises) when a loader raises, or when
a problem is not an AUD001/AUD002 placed at a line of one of the written files.

With atheris (libFuzzer), for as long as wanted:
    python tests/hardening/fuzz_targets.py compose -max_total_time=600 -dict=DICT CORPUS_DIR
Without it, the same targets under a small built-in coverage-guided loop (line coverage by
sys.settrace, mutations of a seed corpus and a token dictionary):
    python tests/hardening/fuzz_targets.py compose --builtin --seconds 600
tests/hardening/test_fuzz.py runs both for a few seconds each.
"""
from __future__ import annotations

import atexit
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Optional

SEPARATOR = b"\n#@@\n"  # a comment in both YAML and nginx: seeds stay valid files
REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"

COMPOSE_FILES = ("compose.yaml", "compose.override.yaml", "other.yaml", ".env")
NGINX_FILES = ("nginx.conf", "conf.d/a.conf", "conf.d/b.conf")

_GUARDS = ("cannot be loaded (", "could not be loaded (", "cannot be parsed (", "invalid YAML (",
           "nginx: cannot be parsed", "nested too deeply to be read")


class FuzzFailure(AssertionError):
    pass


class Workspace:
    """A scratch folder, rewritten for each input (one per process)."""

    def __init__(self) -> None:
        # libFuzzer ends the process without running atexit: a caller may name the folder instead
        parent = os.environ.get("AUDITOR_FUZZ_DIR")
        if parent:
            Path(parent).mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="auditor-fuzz-", dir=parent or None))
        atexit.register(shutil.rmtree, self.root, ignore_errors=True)

    def write(self, names: tuple[str, ...], data: bytes) -> dict[str, bytes]:
        parts = data.split(SEPARATOR, len(names) - 1)
        parts += [b""] * (len(names) - len(parts))
        files = dict(zip(names, parts))
        for name, content in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        return files


_workspace: Optional[Workspace] = None


def _space() -> Workspace:
    global _workspace
    if _workspace is None:
        _workspace = Workspace()
    return _workspace


def _check(problems, files: dict[str, bytes]) -> None:
    from auditor.reader import decode

    for p in problems:
        if p.rule not in ("AUD001", "AUD002"):
            raise FuzzFailure(f"unexpected rule: {p}")
        if any(g in p.message for g in _GUARDS):
            raise FuzzFailure(f"a loader raised inside its guard: {p}")
        if p.loc.path not in files or p.loc.line < 1 or p.loc.column < 1:
            raise FuzzFailure(f"problem outside the written files: {p}")
        text = decode(files[p.loc.path])
        if text is not None and p.loc.line > text.count("\n") + 2:
            raise FuzzFailure(f"problem past the end of its file: {p}")


def fuzz_compose(data: bytes) -> None:
    from auditor.loaders.compose.project import load_projects
    from auditor.reader import Reader

    space = _space()
    files = space.write(COMPOSE_FILES, data)
    reader = Reader(space.root)
    projects, problems = load_projects(reader, ["compose.yaml", "compose.override.yaml", "other.yaml"], [".env"])
    _check(problems, files)
    for project in projects:
        for s in project.services:
            for item in (s, *s.ports, *s.depends_on, *s.environment, *s.volumes):
                if item.loc.path not in files or item.loc.line < 1:
                    raise FuzzFailure(f"element outside the written files: {item}")


def fuzz_nginx(data: bytes) -> None:
    from auditor.loaders.nginx.config import load_nginx
    from auditor.reader import Reader

    space = _space()
    files = space.write(NGINX_FILES, data)
    reader = Reader(space.root)
    configs, problems = load_nginx(reader, list(NGINX_FILES))
    _check(problems, files)
    for config in configs:
        if not set(config.files) <= set(files):
            raise FuzzFailure(f"a configuration read files it was not given: {config.files}")
        for server in config.servers:
            for item in (server, *server.listens, *server.locations):
                if item.loc.path not in files or item.loc.line < 1:
                    raise FuzzFailure(f"element outside the written files: {item}")


TARGETS: dict[str, Callable[[bytes], None]] = {"compose": fuzz_compose, "nginx": fuzz_nginx}

DICTIONARY = {
    "compose": [b"services:", b"image:", b"ports:", b"- ", b": ", b"\n  ", b"\n    ", b"\n      ", b"&a", b"*a",
                b"<<: *a", b"!reset", b"!override", b"include:", b"extends:", b"file: other.yaml",
                b"service: web", b"env_file:", b".env", b"depends_on:", b"condition: service_healthy",
                b"healthcheck:", b"profiles:", b"volumes:", b"./data:/data", b"../x:/y", b"networks:",
                b"network_mode: host", b"${A}", b"${A:-1}", b"${A:?e}", b"$$", b'"8080:80"', b"127.0.0.1:80:80",
                b"[::1]:80:80/udp", b"80-90:80-90", b"target: 80", b"published: 8080", b"---", b"{", b"}", b"[",
                b"]", b"'", b'"', b"#", b"\t", SEPARATOR, b"A=1", b"export ", b"\r\n"],
    "nginx": [b"server", b"http", b"location", b"upstream", b"include", b"listen", b"server_name", b"proxy_pass",
              b"ssl_protocols", b"TLSv1", b"proxy_set_header", b"proxy_http_version", b"{", b"}", b";", b" ",
              b"\n", b'"', b"'", b"\\", b"#", b"conf.d/*.conf", b"conf.d/a.conf", b"conf.d/b.conf", b"../x.conf",
              b"/etc/nginx/conf.d/a.conf", b"nginx.conf", b"http://127.0.0.1:80", b"http://app", b"80",
              b"[::]:443 ssl", b"unix:/run/a.sock", b"$host", b"${V}", b"= /", b"~* ", b"^~ ", b"@named",
              SEPARATOR],
}


def seeds(target: str) -> list[bytes]:
    """Real files of the repo's fixtures, joined as the target cuts them."""
    out: list[bytes] = []
    if target == "compose":
        for folder in sorted(FIXTURES.rglob("*")):
            if not folder.is_dir():
                continue
            composes = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".yml", ".yaml"))
            env = folder / ".env"
            if composes:
                parts = [p.read_bytes() for p in composes[:3]]
                parts += [b""] * (3 - len(parts)) + [env.read_bytes() if env.is_file() else b""]
                out.append(SEPARATOR.join(parts))
    else:
        confs = sorted(p for p in FIXTURES.rglob("*.conf") if p.is_file())
        for i in range(0, len(confs), 3):
            out.append(SEPARATOR.join(p.read_bytes() for p in confs[i:i + 3]))
    return [s for s in out if len(s) < 20_000][:60]


# ---------------------------------------------------------------- built-in coverage-guided loop


def _tracer(prefix: str, seen: set):
    def local(frame, event, arg):
        if event == "line":
            seen.add((frame.f_code.co_filename, frame.f_lineno))
        return local

    def global_(frame, event, arg):
        if frame.f_code.co_filename.startswith(prefix):
            return local
        return None

    return global_


def _mutate(rnd: random.Random, data: bytes, corpus: list[bytes], tokens: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(7)
        pos = rnd.randint(0, len(buf))
        if op == 0 and buf:  # flip a bit
            i = rnd.randrange(len(buf))
            buf[i] ^= 1 << rnd.randrange(8)
        elif op == 1:  # insert a token
            buf[pos:pos] = rnd.choice(tokens)
        elif op == 2 and buf:  # delete a span
            buf[pos:pos + rnd.randint(1, 16)] = b""
        elif op == 3 and buf:  # duplicate a span
            start = rnd.randrange(len(buf))
            buf[pos:pos] = buf[start:start + rnd.randint(1, 64)]
        elif op == 4:  # splice another input
            other = rnd.choice(corpus)
            cut = rnd.randint(0, len(other))
            buf = buf[:pos] + other[cut:]
        elif op == 5:  # an interesting byte
            buf[pos:pos] = bytes([rnd.choice([0, 9, 10, 13, 32, 34, 39, 0x7f, 0x80, 0xc3, 0xef, 0xfe, 0xff])])
        elif op == 6 and buf:  # truncate
            del buf[pos:]
    return bytes(buf[:50_000])


def run_builtin(target: str, seconds: float, seed: int = 0) -> dict:
    """Mutate inputs, keep those reaching new lines of auditor/, for `seconds`. Raises on a failure."""
    import auditor

    fn = TARGETS[target]
    prefix = str(Path(auditor.__file__).parent)
    rnd = random.Random(seed)
    tokens = DICTIONARY[target]
    corpus = seeds(target) or [b""]
    seen: set = set()
    runs = 0

    def run(data: bytes) -> bool:
        nonlocal runs
        before = len(seen)
        sys.settrace(_tracer(prefix, seen))
        try:
            fn(data)
        except Exception as exc:
            raise FuzzFailure(f"{target} target failed on input {data[:2000]!r}: "
                              f"{type(exc).__name__}: {exc}") from exc
        finally:
            sys.settrace(None)
        runs += 1
        return len(seen) > before

    for data in list(corpus):
        run(data)
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        child = _mutate(rnd, rnd.choice(corpus), corpus, tokens)
        if run(child):
            corpus.append(child)
    elapsed = time.monotonic() - started
    return {"runs": runs, "seconds": elapsed, "per_second": runs / max(elapsed, 1e-9),
            "corpus": len(corpus), "lines": len(seen)}


# ---------------------------------------------------------------- atheris


def run_atheris(target: str, argv: list[str]) -> None:
    import atheris

    with atheris.instrument_imports(include=["auditor"]):
        import auditor.loaders.compose.project  # noqa: F401
        import auditor.loaders.env  # noqa: F401
        import auditor.loaders.nginx.config  # noqa: F401

    fn = TARGETS[target]

    def one(data: bytes) -> None:
        fn(data)

    atheris.Setup([sys.argv[0], *argv], one)
    atheris.Fuzz()


def write_corpus_and_dict(target: str, folder: Path) -> tuple[Path, Path]:
    """A seed corpus folder and a libFuzzer dictionary file for `target`."""
    corpus = folder / f"{target}-corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(seeds(target)):
        (corpus / f"seed-{i:03d}").write_bytes(data)
    dictionary = folder / f"{target}.dict"
    dictionary.write_text("".join('"' + "".join(f"\\x{b:02x}" for b in token) + '"\n'
                                  for token in DICTIONARY[target]))
    return corpus, dictionary


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in TARGETS:
        print(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [--builtin --seconds N | libFuzzer flags]",
              file=sys.stderr)
        return 2
    target, rest = argv[0], argv[1:]
    if "--builtin" in rest:
        seconds = float(rest[rest.index("--seconds") + 1]) if "--seconds" in rest else 10.0
        stats = run_builtin(target, seconds)
        print(f"builtin {target}: {stats['runs']} inputs in {stats['seconds']:.1f} s "
              f"({stats['per_second']:.0f}/s), corpus {stats['corpus']}, {stats['lines']} lines reached")
        return 0
    run_atheris(target, rest)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main(sys.argv[1:]))
