"""What a secret looks like: key names, token formats, placeholders, default credentials.

Read by the SEC rules and by `auditor.redact`. Pure data plus small pure helpers; imports
nothing of the project. Extend the tables here, never in rule code.

Decisions, so that reviewers can argue with them in one place:

- A key names a secret when one of its words (split on `_ - .` and camelCase) is a secret word
  (`password`, `secret`, `token`, `apikey`, ...) and no word AFTER it says the value is about the
  secret rather than the secret itself (`PASSWORD_RESET_URL`, `TOKEN_TTL`, `SECRET_NAME`,
  `POSTGRES_PASSWORD_FILE`, `PASSWORD_MIN_LENGTH`). `USER`, `ID`, `HOST`, ... are such words.
- `*_KEY` and `*_AUTH` are "weak" names: `CACHE_KEY=users` and `SMTP_AUTH=login` are settings,
  so a literal there counts only when it looks like a credential (mixed classes or digits,
  8+ characters). `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`, `SECRET_KEY`, `APP_KEY`, ... are
  strong. Keys naming public material (`PUBLIC`, `PUBLISHABLE`, `SITE` key) are never secret.
- Publishable keys (`pk_live_`, `pk_test_`) are public by design: never secrets.
- Twilio account SIDs (`AC...`) and AWS key ids other than AKIA/ASIA/ABIA/ACCA are identifiers,
  not credentials.
- A placeholder stands for a secret instead of being one: empty, `<secret>`, `[token]`,
  `${VAR}`, `$VAR`, `{{ var }}`, `xxx`, `***`, `...`, `your_password_here`, `REPLACE_ME`,
  `TODO`, an upper-case name such as `PASSWORD` (as in `postgres://user:PASSWORD@db`), and
  references to a secret store or file (`vault:`, `arn:aws:secretsmanager:`, `ssm:`, `op://`,
  `/run/secrets/...`, any path). Lower-case `password`, `changeme`, `admin123` are NOT
  placeholders: in a real env file they are the credential in use (a default one).
- DSNs (`SENTRY_DSN`) are not secret names: a DSN's password, when any, is a URL password.
- An access key id (`AWS_ACCESS_KEY_ID`, `MINIO_ACCESS_KEY`, an `AKIA...` value alone) names an
  account, like a user name: the secret is the secret access key next to it.
- Some values under secret names are settings by their shape: a hash scheme's name
  (`BLF-CRYPT`, `SHA512-CRYPT`, `argon2id`), an LDAP filter (`(&(objectClass=x)(uid=%n))`) or
  attribute map (`uid=user,userPassword=password`). Words such as `SCHEME`, `ATTRS`, `FILTER`
  after the secret word say so from the name.
- A value that only names a secret (`postgres_password`, `django_secret_key`,
  `taiga-secret-key`) or asks to be changed (`changeme!`, `changePassword`,
  `change-this-insecure-key`) is not a secret anybody chose: in a config that runs, it is a
  credential everyone can guess (SEC003), not a leaked one (SEC001). `example_*`, `invalid`
  and the like are placeholders.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Optional

# ---------------------------------------------------------------- key names

# A word that, alone, makes a key name a secret (compared against whole words, then as the
# ending of a glued word such as `PGPASSWORD`, `ROOTPASSWORD`, `NEXTAUTHSECRET`).
PASSWORD_WORDS = ("password", "passwd", "passphrase", "pass", "pwd", "pw", "pword")
SECRET_WORDS = (
    "secret", "secrets", "token", "tokens", "credential", "credentials", "creds", "apikey",
    "apikeys", "privatekey", "secretkey", "signingkey", "masterkey",
    "encryptionkey", "authtoken", "authorization", "salt", "pepper", "passcode",
)
# Glued endings that are secret words only as a suffix (`DBPASS`, `ROOTPWD`), never alone
# inside unrelated words (`BYPASS`, `COMPASS`).
_GLUED_PASSWORD = re.compile(r"^(?:db|root|admin|user|my|app|master|smtp|mail|redis|ftp|ldap|bind|sa)"
                             r"(?:pass|pwd|pw)$")
_GLUED_STRONG = re.compile(r"(?:password|passwd|passphrase|secret|token|apikey|privatekey|"
                           r"secretkey|credentials?)$")

# `KEY` as the last word: strong after one of these, weak otherwise.
KEY_QUALIFIERS = frozenset({
    "api", "secret", "private", "priv", "signing", "sign", "encryption", "encrypt",
    "crypt", "crypto", "cipher", "master", "app", "application", "consumer", "client", "account",
    "service", "auth", "webhook", "session", "jwt", "hmac", "deploy", "admin", "shared", "root",
    "license", "licence", "subscription", "integration", "server", "storage", "write", "sas",
    "aes", "gpg", "pgp", "ingest", "management", "mgmt", "rest", "secure", "ssh", "tls", "ssl",
    "cookie", "csrf", "otp", "totp", "encryptor", "sealing", "unseal", "recovery",
})
# Words that make a key name public material, whatever else it says (`VAPID_PUBLIC_KEY`,
# `STRIPE_PUBLISHABLE_KEY`, `NEXT_PUBLIC_API_TOKEN_URL`).
PUBLIC_WORDS = frozenset({"public", "publishable"})
# Words before a last `KEY` that make it a lookup key, not a credential (`CACHE_KEY`,
# `RECAPTCHA_SITE_KEY`, `SUPABASE_ANON_KEY`).
NON_SECRET_KEY_QUALIFIERS = frozenset({
    "site", "anon", "cache", "sort", "partition", "primary", "foreign", "object", "idempotency",
    "routing", "lookup", "map", "group", "label", "hot", "dedup", "dedupe", "i18n", "translation",
    "row", "index", "shard", "lock", "unique", "composite", "cursor", "event", "metric", "tag",
})
# A word after the secret word that says the value is ABOUT the secret (a URL, a length, a
# path, a name), not the secret itself: `PASSWORD_RESET_URL`, `TOKEN_TTL`, `SECRET_NAME`.
META_WORDS = frozenset({
    "url", "urls", "uri", "uris", "host", "hostname", "hosts", "port", "addr", "address",
    "endpoint", "endpoints", "user", "username", "usr", "login", "name", "names", "path",
    "paths", "file", "files", "dir", "directory", "folder", "location", "ttl", "length", "len",
    "enabled", "enable", "disabled", "disable", "required", "require", "optional", "expiry",
    "expires", "expire", "expiration", "exp", "in", "timeout", "lifetime", "age", "duration",
    "interval", "rotation", "period", "min", "max", "size", "count", "type", "kind", "mode",
    "method", "algorithm", "alg", "algo", "header", "headers", "field", "param", "parameter",
    "id", "ids", "region", "version", "format", "prefix", "suffix", "rounds", "cost", "policy",
    "provider", "issuer", "audience", "aud", "scope", "scopes", "realm", "hint", "store",
    "backend", "driver", "strategy", "level", "limit", "attempts", "retries", "complexity",
    "strength", "env", "var", "variable", "arn", "ref", "source", "mount", "bucket", "table",
    "encoding", "charset", "schema", "regex", "pattern", "command", "cmd", "script", "helper",
    "seconds", "secs", "sec", "ms", "minutes", "mins", "hours", "days", "weeks", "label",
    "description", "desc", "help", "message", "msg", "title", "placeholder", "validation",
    "validator", "check", "list", "style", "class", "color", "colour", "icon", "reset",
    "rotate", "generator", "chars", "lowercase", "uppercase", "digits", "symbols", "special",
    "history", "lockout", "scheme", "schemes", "attrs", "attr", "attribute", "attributes",
    "filter", "filters", "query", "mapping", "dn",
})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def key_words(name: str) -> list[str]:
    """`GF_SECURITY_ADMIN_PASSWORD` -> gf, security, admin, password; `clientSecret` -> client, secret."""
    words: list[str] = []
    for part in _SPLIT.split(name):
        if part:
            words.extend(w.lower() for w in _CAMEL.split(part) if w)
    return words


def _word_kind(words: list[str], i: int) -> Optional[str]:
    """"password", "secret" or "weak" when words[i] starts a secret; None otherwise."""
    w = words[i]
    if w in PASSWORD_WORDS or _GLUED_PASSWORD.match(w) or w.endswith(("password", "passwd")):
        return "password"
    if w in SECRET_WORDS or _GLUED_STRONG.search(w):
        return "secret"
    if w == "key":
        before = set(words[:i])
        if before & NON_SECRET_KEY_QUALIFIERS:
            return None
        return "secret" if before & KEY_QUALIFIERS else "weak"
    if w == "auth" and i == len(words) - 1:
        return "weak"  # REDIS_AUTH, BASIC_AUTH; AUTH_URL, AUTH_PROVIDER are settings
    return None


def _access_key_id(words: list[str]) -> bool:
    """`ACCESS_KEY`, `accessKey`, `MINIO_ACCESS_KEY`: the account's id; `SECRET_ACCESS_KEY` is not."""
    tail = words[-2:] == ["access", "key"] or words[-1:] == ["accesskey"]
    return tail and "secret" not in words and not any(w.endswith("secretaccesskey") for w in words)


@lru_cache(maxsize=1 << 16)  # key names repeat across files, services and rules
def key_kind(name: str) -> Optional[str]:
    """How `name` names a secret: "password", "secret", "weak" (`*_KEY`, `*_AUTH`), or None.

    A meta word after a secret word cancels it (`PASSWORD_RESET_URL`); a later secret word
    starts over (`PASSWORD_RESET_TOKEN` is the reset token, a secret).
    """
    words = key_words(name)
    if not words or PUBLIC_WORDS & set(words) or _access_key_id(words):
        return None
    kind = None
    for i in range(len(words)):
        found = _word_kind(words, i)
        if found is None:
            if kind is not None and words[i] in META_WORDS:
                kind = None  # the value is about the secret: a URL, a path, a length...
            continue
        kind = found if kind is None or found != "weak" else kind
    return kind


def secret_word(name: str) -> str:
    """The words of `name` that make it a secret name, upper-case: `DB_PASSWORD` -> PASSWORD,
    `OPENAI_API_KEY` -> API_KEY, `clientSecret` -> SECRET ("" when it names none)."""
    words = key_words(name)
    found = ""
    for i in range(len(words)):
        kind = _word_kind(words, i)
        if kind is None:
            if found and words[i] in META_WORDS:
                found = ""
            continue
        if kind != "weak" or not found:
            j = i
            if words[i] == "key":  # the qualifiers that made it strong: SECRET_ACCESS_KEY
                while j > 0 and i - j < 2 and words[j - 1] in KEY_QUALIFIERS | {"access"}:
                    j -= 1
                j = j if j < i else max(i - 1, 0)
            found = "_".join(words[j:i + 1])
    return found.upper()


@lru_cache(maxsize=8192)
def public_key(name: str) -> bool:
    """Whether a key name says its value is public (`STRIPE_PUBLISHABLE_KEY`, `*_ANON_KEY`)."""
    words = key_words(name)
    return bool(PUBLIC_WORDS & set(words)) or (
        bool(words) and words[-1] == "key" and bool(NON_SECRET_KEY_QUALIFIERS & set(words[:-1])))


def secret_key(name: str) -> bool:
    """Whether a key name (env variable, YAML key) names a secret."""
    return key_kind(name) is not None


# ---------------------------------------------------------------- token formats

# (description, pattern), most specific first. A match anywhere in a value is a secret, whatever
# the key is called. Descriptions read in a sentence: "... holds <description> in plain text".
TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern)) for label, pattern in (
        ("a private key", r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----"),
        ("an AWS access key id", r"(?<![A-Z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])"),
        ("a GitHub token", r"(?<![A-Za-z0-9_])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}"),
        ("a GitHub token", r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}"),
        ("a GitLab token", r"(?<![A-Za-z0-9_])(?:glpat|gldt|glrt|glptt|glsoat|glcbt|gloas)-[A-Za-z0-9_\-]{20,}"),
        ("a Stripe secret key", r"(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"),
        ("a Stripe webhook secret", r"(?<![A-Za-z0-9_])whsec_[A-Za-z0-9+/=]{20,}"),
        ("a Slack token", r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}"),
        ("a Slack app token", r"(?<![A-Za-z0-9])xapp-\d-[A-Za-z0-9-]{10,}"),
        ("a Slack webhook URL", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+\-]{20,}"),
        ("a Discord webhook URL", r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{20,}"),
        ("a JSON Web Token", r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"),
        ("a Google API key", r"(?<![A-Za-z0-9_\-])AIza[0-9A-Za-z_\-]{35}(?![A-Za-z0-9_\-])"),
        ("a SendGrid API key", r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}"),
        ("a Twilio API key", r"(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])"),
        ("a Mailchimp API key", r"(?<![A-Za-z0-9])[0-9a-f]{32}-us\d{1,2}(?![0-9])"),
        ("an npm token", r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
        ("a PyPI token", r"(?<![A-Za-z0-9])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}"),
        ("an Anthropic API key", r"(?<![A-Za-z0-9])sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_\-]{40,}"),
        ("an OpenAI API key", r"(?<![A-Za-z0-9])sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,}"),
        ("an OpenAI API key", r"(?<![A-Za-z0-9])sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
        ("an sk- API key", r"(?<![A-Za-z0-9_\-])sk-[A-Za-z0-9]{32,}(?![A-Za-z0-9])"),
        ("a Discord bot token", r"(?<![A-Za-z0-9_\-])[MNO][A-Za-z\d_\-]{23,25}\.[A-Za-z\d_\-]{6}\.[A-Za-z\d_\-]{27,38}(?![A-Za-z0-9_\-])"),
        ("a Telegram bot token", r"(?<![0-9])\d{8,10}:AA[A-Za-z0-9_\-]{33}(?![A-Za-z0-9_\-])"),
        ("a Hugging Face token", r"(?<![A-Za-z0-9_])hf_[A-Za-z0-9]{34,}"),
        ("a DigitalOcean token", r"(?<![A-Za-z0-9_])do[opr]_v1_[a-f0-9]{64}"),
        ("a HashiCorp Vault token", r"(?<![A-Za-z0-9_])hv[sb]\.[A-Za-z0-9_\-]{24,}"),
        ("a Terraform Cloud token", r"(?<![A-Za-z0-9])[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-]{60,}"),
        ("a Shopify token", r"(?<![A-Za-z0-9_])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}"),
        ("a Square token", r"(?<![A-Za-z0-9])sq0(?:atp|csp)-[0-9A-Za-z_\-]{22,43}"),
        ("a Mailgun API key", r"(?<![A-Za-z0-9])key-[0-9a-zA-Z]{32}(?![A-Za-z0-9])"),
        ("a Grafana token", r"(?<![A-Za-z0-9_])gl(?:sa|c)_[A-Za-z0-9_=+/]{32,}"),
        ("a Postman API key", r"(?<![A-Za-z0-9])PMAK-[a-f0-9]{24}-[a-f0-9]{34}"),
        ("a Doppler token", r"(?<![A-Za-z0-9])dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,}"),
        ("a Databricks token", r"(?<![A-Za-z0-9])dapi[a-f0-9]{32}(?![A-Za-z0-9])"),
        ("an Artifactory API key", r"(?<![A-Za-z0-9])AKC[A-Za-z0-9]{60,}"),
        ("an Azure storage account key", r"AccountKey=[A-Za-z0-9+/]{86}=="),
        ("an age secret key", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
        ("a New Relic key", r"(?<![A-Za-z0-9])NR(?:AK|II|JS)-[A-Za-z0-9]{27,}"),
        ("a Sentry auth token", r"(?<![A-Za-z0-9_])sntr[ysu]_[A-Za-z0-9_=+/]{40,}"),
        ("a Linear API key", r"(?<![A-Za-z0-9_])lin_api_[A-Za-z0-9]{40}"),
        ("a Pulumi token", r"(?<![A-Za-z0-9])pul-[a-f0-9]{40}"),
    )
)

# Formats of material that is public by design: never a secret, whatever the key is called.
PUBLIC_FORMATS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^pk_(?:live|test)_[A-Za-z0-9]+$"),  # Stripe publishable key
    re.compile(r"^-----BEGIN (?:RSA )?PUBLIC KEY-----"),
    re.compile(r"^-----BEGIN CERTIFICATE-----"),
    re.compile(r"^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-\S+) [A-Za-z0-9+/=]+"),  # public SSH keys
)
# Identifiers that resemble tokens but grant nothing alone (documented, not reported).
IDENTIFIER_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a Twilio account SID", re.compile(r"^AC[0-9a-f]{32}$")),
    ("an AWS principal id", re.compile(r"^(?:AIDA|AROA|AIPA|ANPA|ANVA|AGPA|APKA)[A-Z0-9]{16}$")),
)
# An AWS secret access key has no prefix: 40 base64 characters under a key naming AWS.
AWS_SECRET_KEY = re.compile(r"^[A-Za-z0-9/+]{40}$")


# Token formats that identify an account rather than grant access: masked in outputs like the
# others, but not a secret alone (the AWS secret access key is; its key id is not).
IDENTIFIER_TOKENS = frozenset({"an AWS access key id"})


def _without_lookbehind(pattern: str) -> str:
    """`pattern` without its leading `(?<!...)`: it matches wherever `pattern` does, and more."""
    if not pattern.startswith("(?<!"):
        return pattern
    i, depth = 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a class: `]` first (or after `^`) is a member, not its end
            i += 2 if pattern[i + 1:i + 2] == "^" else 1
            i += 1 if pattern[i:i + 1] == "]" else 0
            while pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return pattern[i + 1:]
        i += 1
    return pattern


# Whether a value may hold a token, in one scan: every format without its look-behind, as one
# alternation (a looser match). On short values it costs a fraction of one search per format;
# on long ones each format's literal prefix lets `re` skip faster (see `has_token`), so values
# longer than _HINT_MAX are searched format by format as before.
_TOKEN_HINT = re.compile("|".join(f"(?:{_without_lookbehind(p.pattern)})" for _l, p in TOKEN_FORMATS))
_HINT_MAX = 4096


def _may_hold_token(text: str) -> bool:
    return len(text) > _HINT_MAX or _TOKEN_HINT.search(text) is not None


@lru_cache(maxsize=4096)  # rules and masking ask about the same (possibly megabyte) values
def token_format(value: str) -> Optional[str]:
    """The kind of the first known secret token found in `value` ("a GitHub token"), or None."""
    if not value or len(value) < 16 or not _may_hold_token(value):
        return None
    for label, pattern in TOKEN_FORMATS:
        if label not in IDENTIFIER_TOKENS and pattern.search(value):
            return label
    return None


def token_format_in_context(key: str, value: str) -> Optional[str]:
    """`token_format`, plus the formats only recognisable with their key (AWS secret keys)."""
    found = token_format(value)
    if found:
        return found
    if AWS_SECRET_KEY.match(value.strip()) and "aws" in key_words(key) and key_kind(key) is not None:
        return "an AWS secret access key"
    return None


def has_token(text: str) -> bool:
    """Whether `text` holds a known token anywhere. Format by format: each pattern's literal
    prefix lets `re` skip through a long text, which one alternation of them all cannot."""
    return _may_hold_token(text) and any(pattern.search(text) for _label, pattern in TOKEN_FORMATS)


def find_tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of every known token in `text`, for masking."""
    if not _may_hold_token(text):
        return []
    spans = []
    for _label, pattern in TOKEN_FORMATS:
        spans.extend(m.span() for m in pattern.finditer(text))
    return spans


def is_public(value: str) -> bool:
    return _PUBLIC_OR_IDENTIFIER.match(value.strip()) is not None


# The public and identifier formats as one alternation (one match instead of six).
_PUBLIC_OR_IDENTIFIER = re.compile("|".join(
    f"(?:{p.pattern})" for p in (*PUBLIC_FORMATS, *(p for _l, p in IDENTIFIER_FORMATS))))


# ---------------------------------------------------------------- placeholders and references

# Whole-value shapes of a template marker.
_PLACEHOLDER_SHAPES = re.compile(
    r"""^(?:
        <[^<>]*>                      # <secret>, <your-token>
      | \[[^\[\]]*\]                  # [YOUR_KEY]
      | \{\{.*\}\} | \$\{\{.*\}\}     # {{ var }}, ${{ secrets.X }} (Jinja, Helm, GitHub Actions)
      | \{[A-Za-z_][\w.\-]*\}         # {password}
      | %[A-Za-z_]\w*% | %\([A-Za-z_]\w*\)s   # %PASSWORD%, %(password)s
      | %env\([^)]*\)%                # Symfony
      | [xX]{3,}(?:[-_.][xX]+)*       # xxx, xxxx-xxxx
      | \*{3,} | •{3,} | \.{3,} | … | [-_~#?]+   # ***, ..., -, ~
    )$""",
    re.X | re.S,
)
# Whole values (compared lower-case, separators removed) that mark "fill me in".
PLACEHOLDER_WORDS = frozenset({
    "replaceme", "replacethis", "replacewithyourown", "todo", "tbd", "fixme", "placeholder",
    "example", "examplepassword", "exampletoken", "examplesecret", "sample", "dummy", "redacted",
    "hidden", "removed", "omitted", "notset", "unset", "none", "null", "nil", "undefined", "na",
    "empty", "blank", "generated", "generateme", "fillme", "fillmein", "setme", "tochange",
    "override", "overrideme", "secretvalue", "yourvaluehere", "value", "invalid", "notused",
    "unused", "nopassword", "nosecret", "notsecret", "disabled",
})
# `example_postgres_password`, `sample-token`, `my_example_key`: an example by its own words.
_EXAMPLE_WORD = re.compile(r"(?:^|[-_. ])(?:example|sample|dummy|placeholder)(?:$|[-_. ])", re.I)
# Credentials printed in vendors' documentation as examples (AWS's own example key pair).
DOCUMENTED_EXAMPLES = frozenset({
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
})
# "your_password_here", "enter-your-api-key", "insert_token_here", "password-goes-here".
_PLACEHOLDER_PHRASE = re.compile(
    r"^(?:your[-_ .]?[a-z]"
    r"|(?:enter|insert|put|add|paste|fill|replace|set|type|use|generate)[-_ .](?:in[-_ .]|with[-_ .])?"
    r"(?:your|the|a|an|real|actual|here|me|it|this|secret|password|token|key|value|own)"
    r"|.*[-_ .](?:here|goes[-_ .]here|to[-_ .]be[-_ .](?:set|replaced|changed))$)",
    re.I,
)
# An upper-case identifier made of secret words stands for a value in docs and templates:
# `postgres://user:PASSWORD@db`, `API_KEY=YOUR_API_KEY`, `TOKEN=MY_TOKEN`.
_UPPER_NAME = re.compile(r"^[A-Z][A-Z0-9_\-]*$")

# Values that point at where the secret really lives.
REFERENCE_PREFIXES = (
    "vault:", "vault://", "arn:aws:secretsmanager:", "arn:aws:ssm:", "arn:aws:kms:", "ssm:",
    "ssm://", "secretsmanager:", "awssm:", "aws-sm:", "sm://", "gcpsm://", "gcp-secret:",
    "op://", "bw:", "doppler:", "sops:", "enc[", "azurekeyvault:", "keyvault:", "akv://",
    "@microsoft.keyvault(", "file:", "file://", "env:", "secret:", "secretref:", "k8s:",
    "/run/secrets/", "/var/run/secrets/",
)
_INTERPOLATION = re.compile(r"^\$(?:\{[^{}]+\}|[A-Za-z_][A-Za-z0-9_]*)$")
_COMMAND = re.compile(r"^(?:\$\(.*\)|`.*`)$", re.S)
_PATH = re.compile(r"^(?:/|\./|\.\./|~/)[^\s]*$")
_GCP_SECRET = re.compile(r"^projects/[^/]+/secrets/")


def _unquote(value: str) -> str:
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"`":
        v = v[1:-1].strip()
    return v


def is_reference(value: str) -> bool:
    """The value names where a secret lives (`${VAR}`, `vault:...`, `/run/secrets/x`, a path)."""
    v = _unquote(value)
    lower = v.lower()
    return bool(
        _INTERPOLATION.match(v) or _COMMAND.match(v) or _PATH.match(v) or _GCP_SECRET.match(v)
        or lower.startswith(REFERENCE_PREFIXES)
    )


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


@lru_cache(maxsize=1 << 16)  # the loader's facts, the SEC rules and the masker ask about each value
def is_placeholder(value: str) -> bool:
    """The value stands for a secret instead of being one: empty, a template marker, a reference.

    Default credentials (`changeme`, `admin123`) are not placeholders: see `is_default_credential`.
    """
    v = _unquote(value)
    if not v or is_reference(v) or _PLACEHOLDER_SHAPES.match(v) or v in DOCUMENTED_EXAMPLES:
        return True
    squashed = _NOT_ALNUM.sub("", v.lower())
    if not squashed or squashed in PLACEHOLDER_WORDS:
        return True
    if _PLACEHOLDER_PHRASE.match(v) and not any(c.isdigit() for c in v) and len(v) <= 48:
        return True
    if _EXAMPLE_WORD.search(v) and len(v) <= 48 and " " not in v:
        return True
    if _UPPER_NAME.match(v) and (
        key_kind(v) is not None or v.startswith(("YOUR", "MY_", "THE_", "SOME_"))
        or squashed in ("user", "username", "pass", "pw", "pwd", "host", "key")
    ):
        return True
    return False


# ---------------------------------------------------------------- default and weak credentials

# Compared lower-case. Sources: vendor defaults (Grafana admin/admin, RabbitMQ guest/guest,
# MinIO minioadmin, Nexus admin123, Elastic changeme, Java keystores changeit, Oracle
# scott/tiger, Tomcat manager, the Grafana Helm chart prom-operator, Docker Hub image READMEs
# such as `mysecretpassword` for postgres) and the head of every leaked-password top list.
VENDOR_DEFAULTS = frozenset({
    "admin", "admin123", "admin1234", "admin12345", "administrator", "adminadmin", "changeme",
    "change_me", "change-me", "changeit", "changethis", "changemenow", "root", "toor",
    "rootpassword", "secret", "supersecret", "mysecret", "mysecretpassword", "postgres",
    "postgrespassword", "mysql", "mariadb", "redis", "mongo", "mongodb", "minioadmin",
    "minio123", "rabbitmq", "guest", "elastic", "kibana", "grafana", "prom-operator", "keycloak",
    "airflow", "odoo", "wordpress", "nextcloud", "gitlab", "jenkins", "sonar", "nexus",
    "oracle", "tiger", "manager", "tomcat", "default", "user", "demo",
})
COMMON_PASSWORDS = frozenset({
    "pass", "passw0rd", "p@ssw0rd", "p@ssword", "pa55word", "password", "password1",
    "password12", "password123", "password1234", "password!", "mypassword", "s3cr3t", "s3cret",
    "secret123", "test", "test123", "test1234", "testing", "testpassword", "letmein", "welcome",
    "welcome1", "welcome123",
    "123456", "1234567", "12345678", "123456789", "1234567890", "1234", "12345", "123", "111111",
    "000000", "654321", "123123", "qwerty", "qwerty123", "qwertyuiop", "azerty", "abc123",
    "iloveyou", "dragon", "monkey", "master", "superuser", "letmein123", "trustno1", "sunshine",
    "football", "baseball",
})
DEFAULT_CREDENTIALS = VENDOR_DEFAULTS | COMMON_PASSWORDS

# `changeme!`, `changePassword`, `change-this-insecure-key`, `CHANGE_ME_PLEASE`,
# `please-change`, `changeRunnerAuthToken`: a value that asks to be replaced.
_CHANGE_ME = re.compile(
    r"^(?:please|must|to)?change(?:"
    r"(?:me|it|this|that|your|the|to|in|now|please)[a-z]*"
    r"|[a-z]*(?:password|passwd|pass|pwd|secret|token|key|phrase)"
    r")?$")
# Words a value made only of names may end with: `postgres_password`, `django_secret_key`.
_SECRET_ENDINGS = frozenset({"password", "passwd", "pass", "pwd", "pw", "secret", "token", "key",
                             "apikey", "passphrase", "credential", "credentials"})
_WORDS = re.compile(r"[A-Za-z]+")
_NAME_WORDS = re.compile(r"[A-Za-z]+(?:[-_.][A-Za-z]+)+")
_NOT_LETTER = re.compile(r"[^a-z]")


def names_a_secret(value: str) -> bool:
    """`postgres_password`, `django_secret_key`, `taiga-secret-key`: the value only names what
    should stand there (two or more words in one case, letters only, the last a secret word)."""
    v = _unquote(value)
    if not v or len(v) > 64 or not _NAME_WORDS.fullmatch(v):
        return False
    if not (v.islower() or v.isupper()):
        return False  # names are written in one case; `FaKe-client-secret` was typed as a value
    words = key_words(v)
    return len(words) >= 2 and words[-1] in _SECRET_ENDINGS


@lru_cache(maxsize=1 << 16)  # SEC003 and the masker ask about each value
def weak_credential_reason(value: str) -> Optional[str]:
    """Why `value` is a credential anyone can guess, or None.

    "a vendor or image default", "one of the most common passwords", "a change-me marker left
    in place", or "a value that only names the secret".
    """
    v = _unquote(value)
    if not v:
        return None
    lower = v.lower()
    if lower in VENDOR_DEFAULTS:
        return "a vendor or image default"
    if lower in COMMON_PASSWORDS:
        return "one of the most common passwords"
    squashed = _NOT_LETTER.sub("", lower)
    if squashed and len(squashed) <= 40 and _CHANGE_ME.match(squashed) and not any(
            c.isdigit() for c in v):
        return "a change-me marker left in place"
    if names_a_secret(v):
        return "a value that only names the secret"
    return None


def is_default_credential(value: str) -> bool:
    """A credential anyone can guess: a well-known default or weak value (`admin123`,
    `changeme!`, `postgres`, `123456`) or a marker left in place (`postgres_password`)."""
    return weak_credential_reason(value) is not None


# ---------------------------------------------------------------- values that are settings

# Shapes that are settings even under a secret-looking name, with what they are.
NOT_SECRET_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a password hash scheme", re.compile(
        r"^\{?(?:BLF|BCRYPT|SHA(?:1|256|512)?|SSHA(?:256|512)?|SMD5|MD5|DES|ARGON2(?:I|D|ID)?|"
        r"PBKDF2|SCRYPT|PLAIN|CLEAR|CLEARTEXT|CRAM|DIGEST|CRYPT)(?:[-_](?:CRYPT|MD5|SHA\d*|\d+|"
        r"B64|HEX|SHA256|SHA512))*\}?$", re.I)),
    # a hash of a password (modular crypt format: bcrypt, argon2, sha-crypt; LDAP/Dovecot
    # `{SCHEME}` prefixes): what a service compares a login against, not the password in clear
    ("a password hash", re.compile(
        r"^(?:\$(?:2[abxy]?|argon2(?:id|i|d)|[156]|7|y|gy|scrypt|pbkdf2(?:-sha\d+)?)\$[^\s$]*\$\S{8,}"
        r"|\{(?:SSHA\d*|SHA\d*|SMD5|BLF-CRYPT|ARGON2I?D?|PBKDF2[-\w]*|CRYPT|SHA\d+-CRYPT)\}\S{8,})$", re.I)),
    ("an LDAP filter", re.compile(r"^\(.*=.*\)$", re.S)),
    ("an attribute map", re.compile(r"^[\w<>\-]+=[\w<>%\-]+(?:,[\w<>\-]+=[\w<>%\-]+)+$")),
)


def setting_shape(value: str) -> Optional[str]:
    """What setting `value` is by its shape ("an LDAP filter"), or None."""
    v = _unquote(value)
    for label, pattern in NOT_SECRET_SHAPES:
        if pattern.match(v):
            return label
    return None


# ---------------------------------------------------------------- plain settings and entropy

_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "y", "n"})
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?[smhdwy]?$")


def is_setting(value: str) -> bool:
    """A boolean, a number or a duration: a setting, not a credential (`3600`, `true`, `15m`)."""
    v = _unquote(value).lower()
    return v in _BOOLEAN or bool(_NUMBER.match(v))


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def looks_like_credential(value: str) -> bool:
    """Whether a literal under a weak name (`*_KEY`, `*_AUTH`) looks generated, not chosen.

    `CACHE_KEY=users`, `SMTP_AUTH=login` do not; `OVH_APP_KEY=7kQ2xP9vLm3n` does.
    """
    v = _unquote(value)
    if len(v) < 8 or any(c.isspace() for c in v) or "://" in v:
        return False
    classes = sum((any(c.islower() for c in v), any(c.isupper() for c in v),
                   any(c.isdigit() for c in v), any(not c.isalnum() for c in v)))
    return classes >= 2 and entropy(v) >= 2.5
