"""SEC: secrets written in clear: plaintext values, passwords inside URLs, default credentials.

One defect, one finding: a default credential is SEC003 only (not also SEC001), a URL whose
password is written in it is SEC002 only. What counts as a secret name, a token, a
placeholder or a default credential is decided in `auditor.knowledge.secrets`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator, Literal, NamedTuple, Optional

from auditor.graph.model import Graph
from auditor.graph.urls import UrlParts, find_urls
from auditor.knowledge import secrets as k
from auditor.knowledge.examples import example_kind
from auditor.model import Loc, Problem
from auditor.redact import mask
from auditor.registry import rule

Source = Literal["env", "compose", "docs", "nginx"]


class Assignment(NamedTuple):
    """A value written under a key, as the rules see it (a named tuple: one is built for each
    line of every env file, and a frozen dataclass costs several times more to build)."""

    source: Source
    key: Optional[str]
    value: str  # the value as the reader sees it; as written where interpolation applies
    loc: Loc  # where the value starts
    service: Optional[str] = None  # compose service name ("'a' and 'b'" for a shared entry)
    project: Optional[str] = None  # ComposeProject.id of a compose value
    template: bool = False  # an env template (.env.example ...): examples, not config
    copied: bool = False  # the value came from interpolation: its env file line is reported
    refs: bool = False  # the value is built from `${VAR}` references (`Bearer ${TOKEN}`)
    offset: int = 0  # columns between loc and the start of `value` in the line

    @property
    def subject(self) -> str:
        if self.source == "compose" and self.service:
            plural = "s" if "' and '" in self.service else ""
            return f"{self.key} of service{plural} '{self.service}'"
        return self.key or "URL"

    @property
    def example(self) -> Optional[str]:
        """"documentation", "an example file", "a CI/test file" or "a development file" when
        the value sits in one (knowledge/examples)."""
        return _example_kind(self.loc.path)

    def at(self, start: int) -> Loc:
        """The location of `value[start:]` (single-line values)."""
        if "\n" in self.value[:start] or not self.offset + start:
            return self.loc
        return self.loc.model_copy(update={"column": self.loc.column + self.offset + start})


_example_kind = lru_cache(maxsize=1024)(example_kind)  # asked for each finding, of few paths


def assignments(graph: Graph) -> list[Assignment]:
    """Every keyed value of env files, compose environments and docs code blocks (gathered
    once per graph: each SEC rule reads them)."""
    return graph.derived("secrets.assignments", lambda g: list(_assignments(g)))


def _assignments(graph: Graph) -> Iterator[Assignment]:
    for env in graph.env_files:
        for v in env.vars:
            if v.quote == "'" or "$" not in v.raw:
                yield Assignment("env", v.key, v.value, v.value_loc, template=env.template,
                                 offset=1 if v.quote else 0)
            else:
                # Interpolated: judge the text as written (`postgres://u:${DB_PASSWORD}@db`).
                raw = v.raw[1:-1] if v.quote and len(v.raw) >= 2 else v.raw
                yield Assignment("env", v.key, raw, v.value_loc, template=env.template,
                                 copied=k.is_reference(raw), refs=_has_reference(raw),
                                 offset=1 if v.quote else 0)
    by_file = _secret_values_by_file(graph)
    for project in graph.projects:
        feeding = _interpolation_values(by_file, project.env_sources)
        # One entry shared by several services (a YAML anchor, `extends`) is one value.
        shared: dict[tuple, list[str]] = {}
        for s in project.services:
            for e in s.environment:
                if e.value is not None:
                    shared.setdefault((e.loc, e.key, e.value), []).append(s.name)
        for (loc, key, value), names in shared.items():
            yield Assignment("compose", key, value, loc, service="' and '".join(names),
                             project=project.id, copied=value in feeding)
    for doc in graph.docs:
        for m in doc.mentions:
            if m.key and "=" in m.text:
                key, _, value = m.text.partition("=")
                stripped = value.strip()
                offset = len(key) + 1 + (len(value) - len(value.lstrip()))
                if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
                    stripped, offset = stripped[1:-1], offset + 1
                yield Assignment("docs", m.key, stripped, m.loc, offset=offset,
                                 copied=k.is_reference(stripped), refs=_has_reference(stripped))


_REFERENCE = re.compile(r"\$(?:\{[A-Za-z_]|[A-Za-z_])")


def _has_reference(value: str) -> bool:
    return bool(_REFERENCE.search(value.replace("$$", "")))


def _secret_values_by_file(graph: Graph) -> dict[str, set[str]]:
    """Secrets (values of secret-named keys, tokens) of each env file, judged once per file."""
    out: dict[str, set[str]] = {}
    for env in graph.env_files:
        out.setdefault(env.path, set()).update(
            v.value for v in env.vars if v.value and (k.secret_key(v.key) or k.token_format(v.value)))
    return out


def _interpolation_values(by_file: dict[str, set[str]], sources: tuple[str, ...]) -> set[str]:
    """Secrets of the env files feeding a project's interpolation.

    The compose model keeps values after interpolation: a value equal to one of these was most
    likely written `${VAR}`, and the env file line is where the secret is written.
    """
    return set().union(*(by_file.get(path, ()) for path in dict.fromkeys(sources)))


# ---------------------------------------------------------------- SEC001


def _holds_url_password(value: str) -> bool:
    return any(u.password for u in find_urls(value))


def plaintext_kind(a: Assignment) -> Optional[tuple[str, str]]:
    """What secret `a` holds in clear ("a GitHub token", "a password") and why it looks like
    one ("its format", "the key name says 'password'"), or None."""
    return _plaintext_kind(a.key or "", a.value, a.template, a.copied, a.refs)


@lru_cache(maxsize=4096)  # files repeat values (a file of 100,000 `A=1` judges one)
def _plaintext_kind(key: str, value: str, template: bool, copied: bool, refs: bool,
                    ) -> Optional[tuple[str, str]]:
    v = value.strip()
    if template or copied or not v or k.is_public(v):
        return None
    if _holds_url_password(v):
        return None  # SEC002's (or SEC003's)
    fmt = k.token_format_in_context(key, v)
    if fmt == "a JSON Web Token" and key and k.public_key(key):
        fmt = None  # anon/public JWTs (Supabase) are shipped to browsers by design
    if fmt:
        if k.is_placeholder(v):
            return None
        if fmt == "an AWS secret access key":
            return fmt, "40 base64 characters under an AWS secret key name"
        return fmt, "recognised by its format"
    if refs:
        return None  # `Bearer ${TOKEN}`: the secret is wherever TOKEN is set
    kind = k.key_kind(key)
    if kind is None or k.is_placeholder(v) or k.is_default_credential(v):
        return None
    if "://" in v or k.setting_shape(v):
        return None  # an endpoint, a hash scheme, an LDAP filter: settings, not credentials
    if k.is_setting(v) and not (kind == "password" and v.isdigit()):
        return None
    if kind == "weak":
        if not k.looks_like_credential(v):
            return None
        return "a secret", (f"a *_{k.key_words(key)[-1].upper()} name with a random-looking "
                            f"value ({k.entropy(v):.1f} bits per character)")
    word = k.secret_word(key)
    return ("a password" if kind == "password" else "a secret"), f"the key name says {word}"


def _grade(a: Assignment, by_format: bool = False) -> tuple[Optional[str], str]:
    """(severity cap, message tail) for a value in an example or docs file.

    A token in a recognised format keeps its severity even there: such tokens are live far
    more often than not, and scanners harvest them from docs as eagerly as from config."""
    where = a.example
    if where is None or by_format:
        return None, ""
    return "note", f"; in {where}"


@rule("SEC001", "plaintext-secret", "error",
      "A secret-named key or a known token format holds a literal value in a committed file.",
      tags=("security", "secrets", "committed-secret"))
def plaintext_secret(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds secrets written in clear in committed files: a value under a secret-named key
    (`*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `API_KEY`, `PRIVATE_KEY`, `DB_PASS`, `REDIS_AUTH`, ...)
    or any value shaped like a known token (AWS access keys, GitHub, GitLab, Stripe, Slack,
    Google, SendGrid, OpenAI, Anthropic, npm, Discord, private keys, JWTs, ...). It reads env
    files, compose service `environment:` entries and `KEY=value` lines of docs code blocks.

    Not secrets, never reported: placeholders and references (empty, `<secret>`, `${VAR}`,
    `{{ var }}`, `xxx`, `***`, `your_password_here`, `REPLACE_ME`, `vault:...`,
    `arn:aws:secretsmanager:...`, `/run/secrets/...`, paths), keys that are about a secret rather
    than the secret (`POSTGRES_PASSWORD_FILE`, `TOKEN_TTL`, `PASSWORD_MIN_LENGTH`,
    `PASSWORD_RESET_URL`, `SECRET_NAME`), booleans and numbers under such keys, publishable keys
    (`pk_live_...`), and every value of an env template (`.env.example`, `.env.sample`, ...).
    A compose value that comes from `${VAR}` is reported once, at the env file line.

    Also not secrets: values whose shape makes them settings (a hash scheme's name such as
    `BLF-CRYPT`, an LDAP filter `(&(objectClass=x)(uid=%n))`, an attribute map
    `uid=user,userPassword=password`), hashes of passwords (`$2a$14$...`, `$argon2id$...`,
    `{SSHA}...`: not the password in clear; still masked in every output), values that call themselves examples
    (`example_postgres_password`, `invalid`), and access key ids (`AWS_ACCESS_KEY_ID`,
    `MINIO_ACCESS_KEY`, an `AKIA...` id alone): they name an account, the secret access key is
    the secret. Language-tagged code blocks of docs (`python`, `js`, ...) are code, not config.

    A well-known default credential (`admin123`), a change-me marker (`changeme!`,
    `changePassword`) or a value that only names the secret (`postgres_password`) is reported by
    SEC003 instead, and a URL with a password by SEC002. A git-ignored file (a developer's local
    `.env`) is not reported. The message names the key, the kind of secret and why the value
    looks like one (the key name, a token format, a random-looking value under a `*_KEY`
    name), never the value (at most a masked form).

    Severity where the value sits: in a file that is plainly an example (a folder or file name
    with `example`, `sample` or `demo`) or documentation (markdown, `docs/`), the finding is a
    `note`: such values illustrate a setting. The same in CI and test files (`ci`, `test`,
    `e2e` in a folder or file name: `docker-compose.ci.yml`) and development stacks (`dev`:
    `docker-compose.dev.yml`), whose credentials are throwaway by design; the message says
    which. Production names (`.env`, `compose.yaml`, `docker-compose.prod.yml`) keep the
    rule's severity. A value in a known token format (`ghp_...`,
    `sk_live_...`, a private key) keeps the rule's severity even there: real tokens land in docs
    more often than example ones. Env templates (`.env.example`) are not reported at all.

    ## Why is this bad?
    Anything committed is readable by everyone with access to the repository, its forks, its
    CI logs and its history, forever: removing the line later does not un-leak the secret.

    ## Example
    ```bash
    # .env.master (committed)
    STRIPE_SECRET_KEY=sk_live_51H...
    DB_PASSWORD=hunter2
    ```

    ## How to fix
    Rotate the secret (it must be considered leaked), then keep it out of the repository: an
    untracked `.env` (listed in `.gitignore`) with a committed `.env.example` holding
    placeholders, compose `secrets:` read from files, or a secret manager.

    `auditor fix --unsafe-fixes` moves a compose `environment:` value to the project's git-
    ignored `.env`, references it as `${KEY}` and adds the key without its value to the env
    template (unsafe: the value then comes from an uncommitted file; refused when there is no
    git-ignored `.env`).
    """
    for a in assignments(graph):
        found = plaintext_kind(a)
        if found is None:
            continue
        kind, why = found
        cap, where = _grade(a, by_format=kind not in ("a password", "a secret"))
        yield Problem(message=f"{a.subject} holds {kind} in plain text ({mask(a.value.strip())}): "
                              f"{why}{where}",
                      loc=a.loc, key=f"{a.subject}\x1f{kind}", secret=True, severity=cap)


# ---------------------------------------------------------------- SEC002 / SEC003 on URLs


@dataclass(frozen=True)
class UrlSecret:
    where: Assignment
    url: UrlParts

    @property
    def loc(self) -> Loc:
        return self.where.at(self.url.start)


def url_passwords(graph: Graph) -> list[UrlSecret]:
    """Every URL written with a literal password (placeholders and references left out),
    found once per graph: SEC002 and SEC003 read them."""
    return graph.derived("secrets.url_passwords", lambda g: list(_url_passwords(g)))


def _url_passwords(graph: Graph) -> Iterator[UrlSecret]:
    seen: set[tuple[str, int, int]] = set()
    feeding: dict[str, set[str]] = {}
    for a in _url_holders(graph):
        if a.template or a.copied or "://" not in a.value:
            continue
        for u in find_urls(a.value):
            if not u.password or k.is_placeholder(u.password):
                continue
            if a.source == "compose" and a.project is not None:
                if a.project not in feeding:
                    feeding[a.project] = _feeding(graph, a.project)
                if u.password in feeding[a.project]:
                    continue  # interpolated from an env file: reported at its line
            loc = a.at(u.start)
            spot = (loc.path, loc.line, loc.column)
            if spot in seen:
                continue
            seen.add(spot)
            yield UrlSecret(a, u)


def _url_holders(graph: Graph) -> Iterator[Assignment]:
    yield from assignments(graph)
    for doc in graph.docs:
        for m in doc.mentions:
            if not m.key:  # URLs in prose and commands; keyed lines came first and win
                yield Assignment("docs", None, m.text, m.loc)
    for config in graph.nginx:
        for server in config.servers:
            for location in server.locations:
                target = location.proxy_pass
                if target is not None and "@" in target.raw:
                    yield Assignment("nginx", "proxy_pass", target.raw, target.loc)


def _feeding(graph: Graph, project_id: str) -> set[str]:
    """Values and URL passwords of the env files feeding the interpolation of a project."""
    project = next((p for p in graph.projects if p.id == project_id), None)
    sources = set(project.env_sources) if project else set()
    values: set[str] = set()
    for env in graph.env_files:
        if env.path in sources:
            for v in env.vars:
                values.add(v.value)
                values.update(u.password for u in find_urls(v.value) if u.password)
    return values


@rule("SEC002", "credentials-in-url", "error",
      "A URL embeds a password (scheme://user:pass@host) in env files, compose, nginx or docs.",
      tags=("security", "secrets", "committed-secret"))
def credentials_in_url(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds URLs written with their password: `postgresql://app:s3cr3t@db:5432/app`,
    `redis://:s3cr3t@cache:6379/0`, in env files, compose service environments, nginx
    `proxy_pass` and markdown docs (code blocks and prose).

    Not reported: a password that is a placeholder or a reference
    (`postgres://app:PASSWORD@db`, `<password>`, `***`, `${DB_PASSWORD}`), URLs of env templates
    (`.env.example`, ...), a compose value interpolated from an env file (reported at the env
    file line), git-ignored files, and a well-known default password, which SEC003 reports
    (except in docs, where it is an example). The message shows the URL with the password
    masked. In example files and documentation (see SEC001) the finding is a `note`.

    ## Why is this bad?
    The URL carries the credential wherever it goes: into the repository and its history, into
    logs and error messages that print connection strings, into docs copied around. A password
    in a doc is as leaked as one in a committed `.env`.

    ## Example
    ```bash
    DATABASE_URL=postgresql://harena_admin:S3cretPassw0rd@203.0.113.10:5432/harena
    ```

    ## How to fix
    Rotate the password, then build the URL from a variable kept out of the repository
    (`postgresql://app:${DB_PASSWORD}@db:5432/app`) or give the password separately
    (`PGPASSWORD`, a `*_PASSWORD_FILE` pointing at a compose secret). In docs, write a
    placeholder: `postgresql://app:<password>@db:5432/app`.
    """
    for hit in url_passwords(graph):
        if k.is_default_credential(hit.url.password or ""):
            continue  # SEC003's; in docs, an example (`postgres:postgres@localhost`)
        subject = hit.where.subject
        cap, where = _grade(hit.where)
        message = (f"{subject} embeds a password in its URL ({hit.url.masked})" if hit.where.key
                   else f"URL embeds a password ({hit.url.masked})")
        yield Problem(message=message + where, loc=hit.loc, key=f"{subject}\x1f{hit.url.masked}",
                      secret=True, severity=cap)


# ---------------------------------------------------------------- SEC003


@rule("SEC003", "default-credential", "error",
      "A well-known default or weak credential (admin, admin123, password, changeme, root, ...).",
      tags=("security", "secrets", "committed-secret"))
def default_credential(graph: Graph) -> Iterator[Problem]:
    """
    ## What it does
    Finds well-known default or weak credentials in use: the value of a password- or
    secret-named key (`GRAFANA_ADMIN_PASSWORD=admin123`, `POSTGRES_PASSWORD=postgres`,
    `MYSQL_ROOT_PASSWORD=root`, `RABBITMQ_DEFAULT_PASS=guest`,
    `GF_SECURITY_ADMIN_PASSWORD: admin`) or the password of a URL
    (`postgres://postgres:postgres@db/app`), in env files, compose service environments and
    nginx. The list (vendor defaults such as `admin`, `changeme`, `minioadmin`, `changeit`,
    `prom-operator`, and the head of the leaked-password lists) lives in
    `auditor/knowledge/secrets.py`.

    Guessable values count too: a change-me marker left in place (`changeme!`,
    `changePassword`, `change-this-insecure-key`) and a value that only names the secret
    (`postgres_password`, `django_secret_key`). The message says which of these the value is.

    Env templates (`.env.example`, ...) and docs are not checked: a default there is an
    example; in other example files (see SEC001) the finding is a `note`. An upper-case marker
    such as `PASSWORD`, and values that call themselves examples (`example_password`), are
    placeholders, not credentials. The message shows the value masked. Like SEC001, a
    git-ignored file (a developer's local `.env`) is not reported: it feeds the graph but is
    not part of what the repository ships.

    ## Why is this bad?
    Default credentials are the first thing scanners and attackers try: an admin UI or a
    database with `admin123` is open to anyone who reaches it, committed or not.

    ## Example
    ```bash
    GRAFANA_ADMIN_USER=admin
    GRAFANA_ADMIN_PASSWORD=admin123
    ```

    ## How to fix
    Generate a long random value (`openssl rand -base64 32`), keep it out of the repository,
    and change it in the running service too (Grafana, for one, keeps the first admin password
    in its database).
    """
    for a in assignments(graph):
        if a.source == "docs" or a.template or a.copied or a.refs or k.key_kind(a.key or "") is None:
            continue
        v = a.value.strip()
        why = None if k.is_placeholder(v) else k.weak_credential_reason(v)
        if why is None:
            continue
        cap, where = _grade(a)
        yield Problem(message=f"{a.subject} is a well-known default credential ({mask(v)}): {why}{where}",
                      loc=a.loc, key=f"{a.subject}\x1fvalue", secret=True, severity=cap)
    for hit in url_passwords(graph):
        why = k.weak_credential_reason(hit.url.password or "")
        if hit.where.source == "docs" or why is None:
            continue
        subject = hit.where.subject
        cap, where = _grade(hit.where)
        yield Problem(message=f"{subject} uses a well-known default password in its URL "
                              f"({hit.url.masked}): {why}{where}",
                      loc=hit.loc, key=f"{subject}\x1f{hit.url.masked}", secret=True, severity=cap)
