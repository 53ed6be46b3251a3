"""The secrets knowledge: key names, token formats, placeholders, defaults; and the masking
that relies on it."""
from __future__ import annotations

import pytest
from hypothesis import assume, given, strategies as st

from auditor.knowledge.secrets import (
    DEFAULT_CREDENTIALS, find_tokens, is_default_credential, is_placeholder, is_public,
    is_reference, is_setting, key_kind, key_words, looks_like_credential, names_a_secret,
    public_key, secret_key, secret_word, setting_shape, token_format, token_format_in_context,
    weak_credential_reason,
)
from auditor.redact import mask, redact_line, redact_tokens, redact_url_passwords


@pytest.mark.parametrize("name, kind", [
    ("GRAFANA_ADMIN_PASSWORD", "password"),
    ("POSTGRES_PASSWORD", "password"),
    ("MYSQL_ROOT_PASSWORD", "password"),
    ("GF_SECURITY_ADMIN_PASSWORD", "password"),
    ("DB_PASS", "password"),
    ("RABBITMQ_DEFAULT_PASS", "password"),
    ("PGPASSWORD", "password"),
    ("MYSQL_PWD", "password"),
    ("LDAP_BIND_PW", "password"),
    ("JWT_SECRET", "secret"),
    ("clientSecret", "secret"),
    ("apiKey", "secret"),
    ("OPENAI_API_KEY", "secret"),
    ("AWS_SECRET_ACCESS_KEY", "secret"),
    ("SECRET_KEY_BASE", "secret"),
    ("GITHUB_TOKEN", "secret"),
    ("PASSWORD_RESET_TOKEN", "secret"),
    ("OVH_APP_KEY", "secret"),
    ("OVH_CONSUMER_KEY", "secret"),
    ("GOOGLE_APPLICATION_CREDENTIALS", "secret"),
    ("REDIS_AUTH", "weak"),
    ("MAILCHIMP_KEY", "weak"),
])
def test_secret_key_names(name, kind):
    assert key_kind(name) == kind
    assert secret_key(name)


@pytest.mark.parametrize("name", [
    "TOKEN_TTL", "ACCESS_TOKEN_EXPIRES_IN", "PASSWORD_MIN_LENGTH", "PASSWORD_RESET_URL",
    "SECRET_NAME", "POSTGRES_PASSWORD_FILE", "IDNOT_TOKEN_URL", "GRAFANA_ADMIN_USER",
    "OAUTH_CLIENT_ID", "AWS_ACCESS_KEY_ID", "STRIPE_PUBLISHABLE_KEY", "VAPID_PUBLIC_KEY",
    "RECAPTCHA_SITE_KEY", "CACHE_KEY", "AUTH_URL", "AUTH_PROVIDER", "BYPASS", "COMPASS_HOST",
    "TOKENIZERS_PARALLELISM", "SENTRY_DSN", "PASSWORD_HASH_ALGORITHM", "JWT_SECRET_EXPIRES_IN",
    "", "___",
])
def test_names_about_a_secret_are_not_secret_names(name):
    assert key_kind(name) is None


def test_key_words_split_case_and_separators():
    assert key_words("GF_SECURITY_ADMIN_PASSWORD") == ["gf", "security", "admin", "password"]
    assert key_words("clientSecret") == ["client", "secret"]
    assert key_words("api-key.v2") == ["api", "key", "v2"]


def test_public_key_names():
    assert public_key("STRIPE_PUBLISHABLE_KEY")
    assert public_key("NEXT_PUBLIC_SUPABASE_ANON_KEY")
    assert not public_key("STRIPE_SECRET_KEY")


@pytest.mark.parametrize("value, kind", [
    ("ghp_" + "F" * 36, "a GitHub token"),
    ("gho_" + "F" * 36, "a GitHub token"),
    ("ghs_" + "F" * 36, "a GitHub token"),
    ("github_pat_" + "F" * 40, "a GitHub token"),
    ("glpat-" + "F" * 20, "a GitLab token"),
    ("sk_live_" + "F" * 24, "a Stripe secret key"),
    ("rk_live_" + "F" * 24, "a Stripe secret key"),
    ("whsec_" + "F" * 32, "a Stripe webhook secret"),
    ("xoxb-000000000000-" + "F" * 24, "a Slack token"),
    ("xoxp-000000000000-" + "F" * 24, "a Slack token"),
    ("xapp-1-A0000000000-" + "0" * 20, "a Slack app token"),
    ("https://hooks.slack.com/services/TFAKE/BFAKE/" + "F" * 24, "a Slack webhook URL"),
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIE...", "a private key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "a private key"),
    ("-----BEGIN PGP PRIVATE KEY BLOCK-----", "a private key"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.FaKeFaKeFaKeFaKe", "a JSON Web Token"),
    ("AIza" + "F" * 35, "a Google API key"),
    ("SG." + "F" * 22 + "." + "F" * 43, "a SendGrid API key"),
    ("SK" + "0" * 32, "a Twilio API key"),
    ("0" * 32 + "-us12", "a Mailchimp API key"),
    ("npm_" + "F" * 36, "an npm token"),
    ("sk-proj-" + "F" * 40, "an OpenAI API key"),
    ("sk-ant-api03-" + "F" * 80, "an Anthropic API key"),
    ("sk-" + "F" * 48, "an sk- API key"),
    ("MTAwMDAwMDAwMDAwMDAwMDAw.GFaKeF." + "F" * 30, "a Discord bot token"),
    ("123456789:AA" + "F" * 33, "a Telegram bot token"),
    ("hf_" + "F" * 34, "a Hugging Face token"),
    ("hvs." + "F" * 30, "a HashiCorp Vault token"),
    ("Bearer ghp_" + "F" * 36, "a GitHub token"),  # anywhere in the value
])
def test_token_formats(value, kind):
    assert token_format(value) == kind


@pytest.mark.parametrize("value", [
    "pk_live_" + "F" * 24, "AC" + "0" * 32, "hello world", "https://api.example.org/v1/",
    "postgresql://app@db:5432/app", "0" * 40, "ghp_short",
])
def test_not_tokens(value):
    assert token_format(value) is None


def test_aws_secret_key_needs_its_context():
    value = "FaKeFaKeFaKeFaKeFaKeFaKeFaKeFaKeFaKe0000"
    assert token_format(value) is None
    assert token_format_in_context("AWS_SECRET_ACCESS_KEY", value) == "an AWS secret access key"
    assert token_format_in_context("BUILD_ID", value) is None


def test_publishable_keys_and_identifiers_are_public():
    assert is_public("pk_live_FaKe0000")
    assert is_public("AC" + "0" * 32)
    assert is_public("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFaKe user@host")
    assert not is_public("sk_live_FaKe0000")


@pytest.mark.parametrize("value", [
    "", "  ", "<secret>", "<your-token>", "[YOUR_API_KEY]", "${DB_PASSWORD}", "$DB_PASSWORD",
    "${DB_PASSWORD:?missing}", "{{ db_password }}", "${{ secrets.DB_PASSWORD }}", "xxx",
    "XXXXXXXX", "xxxx-xxxx", "***", "...", "your_password_here", "yourpassword", "REPLACE_ME",
    "replace-me", "TODO", "example", "dummy", "PASSWORD", "DB_PASSWORD", "YOUR_TOKEN",
    "vault:secret/data/app#key", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:x",
    "ssm:/app/key", "op://vault/item/field", "/run/secrets/db_password", "./secrets/key.pem",
    "ENC[AES256_GCM,data:FaKe]", "%env(DB_PASSWORD)%", "$(cat /run/secrets/x)", "'<secret>'",
    "AKIAIOSFODNN7EXAMPLE", "enter-your-api-key", "put_your_token_here",
])
def test_placeholders(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", [
    "hunter2", "changeme", "admin123", "password", "settlement", "typescript", "S3cr3t!",
    "FaKe2024SecureDbPassword123", "useful-but-real-9", "change-me", "CHANGE_ME", "ADMIN",
    "pass_here_FaKe", "%A0000000",
])
def test_real_values_are_not_placeholders(value):
    assert not is_placeholder(value)


def test_references():
    assert is_reference("${X}") and is_reference("vault:x") and is_reference("/run/secrets/x")
    assert not is_reference("hunter2")


@pytest.mark.parametrize("value", [
    "admin", "admin123", "Admin123", "administrator", "password", "password1", "Password123",
    "changeme", "CHANGEME", "root", "toor", "secret", "123456", "12345678", "qwerty", "letmein",
    "guest", "test", "default", "postgres", "mysql", "redis", "minioadmin", "changeit",
    "prom-operator", "'admin'", "change-me", "CHANGE_ME",
])
def test_default_credentials(value):
    assert is_default_credential(value)


@pytest.mark.parametrize("value", ["", "hunter2", "FaKe2024SecureDbPassword123", "admin1234567"])
def test_not_default_credentials(value):
    assert not is_default_credential(value)


def test_default_credentials_are_lower_case():
    assert all(c == c.lower() for c in DEFAULT_CREDENTIALS)


def test_settings_and_credential_looks():
    assert is_setting("3600") and is_setting("true") and is_setting("15m") and not is_setting("s3cr3t")
    assert looks_like_credential("FaKeOvhAppKey000")
    assert not looks_like_credential("users") and not looks_like_credential("login")
    assert not looks_like_credential("https://a.example.org/x1")


# ---------------------------------------------------------------- masking


def test_mask_contract():
    assert mask("admin123") == "ad****23"
    assert mask("secret") == "****"
    assert mask("FaKe2024SecureDbPassword123") == "FaK****123"


@given(st.text(min_size=1, max_size=80))
def test_mask_keeps_at_most_the_ends(value):
    masked = mask(value)
    assert "****" in masked
    assert len(masked) <= 10
    if len(value) > 6:
        assert masked.startswith(value[:2]) and masked.endswith(value[-2:])


@given(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789!%&*+-_",
               min_size=10, max_size=40))
def test_redacted_lines_never_show_a_secret_value(value):
    assume(not is_placeholder(value))  # `xxxxxxxxxx` stays readable: it hides nothing
    for line in (f"DB_PASSWORD={value}", f"  GF_SECURITY_ADMIN_PASSWORD: {value}",
                 f'"api_key": "{value}"', f"| **GRAFANA_ADMIN_PASSWORD** | {value} | grafana |",
                 f"export API_TOKEN='{value}'", f"DATABASE_URL=postgres://app:{value}@db:5432/app"):
        assert value not in redact_line(line), line


def test_redact_line_keeps_references_and_settings():
    assert redact_line("DB_PASSWORD=${DB_PASSWORD}") == "DB_PASSWORD=${DB_PASSWORD}"
    assert redact_line("  DB_PASSWORD: ${DB_PASSWORD:?set it in .env}") == \
        "  DB_PASSWORD: ${DB_PASSWORD:?set it in .env}"
    assert redact_line("TOKEN_TTL=3600") == "TOKEN_TTL=3600"
    assert redact_line("API_URL=http://api:8080/") == "API_URL=http://api:8080/"


def test_redact_tokens_and_url_passwords():
    token = "ghp_" + "F" * 36
    assert token not in redact_tokens(f"curl -H 'Authorization: token {token}'")
    assert redact_url_passwords("redis://:p@ss@cache:6379/0") == "redis://:****@cache:6379/0"
    assert redact_url_passwords("postgresql://app:s3cr3t@db/app") == "postgresql://app:****@db/app"


def test_scrubber_masks_known_secret_values_anywhere():
    from auditor.redact import Scrubber, secret_values

    values = secret_values([
        ("REDIS_PASSWORD", "FaKe-Redis-Auth-0000"), ("GRAFANA_ADMIN_PASSWORD", "admin123"),
        ("DATABASE_URL", "postgresql://app:FaKe-Pg-Pass-0000@db/app"), ("LOG_LEVEL", "info"),
        ("DB_PASSWORD", "${DB_PASSWORD}"), ("TOKEN_TTL", "3600"), (None, "ghp_" + "F" * 36),
    ])
    assert values == {"FaKe-Redis-Auth-0000", "admin123", "FaKe-Pg-Pass-0000", "ghp_" + "F" * 36}
    scrub = Scrubber(values)
    assert scrub("redis-server --requirepass FaKe-Redis-Auth-0000") == "redis-server --requirepass FaK****000"
    assert scrub("| GRAFANA_ADMIN_PASSWORD | admin123 |") == "| GRAFANA_ADMIN_PASSWORD | ad****23 |"
    assert scrub("nothing to hide") == "nothing to hide"
    assert Scrubber([])("admin123") == "admin123"


# ---------------------------------------------------------------- identifiers, settings, markers


@pytest.mark.parametrize("value", ["AKIAFAKEFAKEFAKE0000", "ASIAFAKEFAKEFAKE0000"])
def test_an_access_key_id_alone_is_an_identifier_but_still_masked(value):
    assert token_format(value) is None
    assert find_tokens(f"id={value}"), "key ids are still masked in outputs"


@pytest.mark.parametrize("name", ["AWS_ACCESS_KEY", "MINIO_ACCESS_KEY", "accessKey", "S3_ACCESS_KEY"])
def test_access_key_names_are_identifiers(name):
    assert key_kind(name) is None


@pytest.mark.parametrize("name", ["MAIL_PASS_SCHEME", "DOVECOT_PASS_ATTRS", "LDAP_PASS_FILTER",
                                  "PASSWORD_QUERY"])
def test_names_of_settings_about_passwords(name):
    assert key_kind(name) is None


@pytest.mark.parametrize("value, shape", [
    ("BLF-CRYPT", "a password hash scheme"),
    ("SHA512-CRYPT", "a password hash scheme"),
    ("argon2id", "a password hash scheme"),
    ("{SSHA512}", "a password hash scheme"),
    ("(&(objectClass=person)(uid=%u))", "an LDAP filter"),
    ("uid=user,userPassword=password", "an attribute map"),
    ("$2a$14$1l.IozJx7xQRVmlkEQ32OeEEfP5mRxTpbDTCTcXRqn19gXD8YK1pO", "a password hash"),
    ("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo", "a password hash"),
    ("$6$rounds=5000$saltsalt$Zq8vKp3Lm2Xw9T", "a password hash"),
    ("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9gqR2Vt", "a password hash"),
])
def test_setting_shapes(value, shape):
    assert setting_shape(value) == shape


@pytest.mark.parametrize("value", ["hunter2", "FaKe-Passw0rd", "Pa(ss)=w0rd!", "a=b", "$ecret$Pass",
                                   "$2a$x"])
def test_credentials_are_not_setting_shapes(value):
    assert setting_shape(value) is None


@pytest.mark.parametrize("value, reason", [
    ("admin123", "a vendor or image default"),
    ("password123", "one of the most common passwords"),
    ("changeme!", "a change-me marker left in place"),
    ("changePassword", "a change-me marker left in place"),
    ("change-this-insecure-key", "a change-me marker left in place"),
    ("CHANGE_ME_PLEASE", "a change-me marker left in place"),
    ("postgres_password", "a value that only names the secret"),
    ("django_secret_key", "a value that only names the secret"),
])
def test_weak_credential_reasons(value, reason):
    assert weak_credential_reason(value) == reason
    assert is_default_credential(value)


@pytest.mark.parametrize("value", ["changelog", "exchange", "FaKe-client-secret", "hunter2",
                                   "correct-horse-battery", "my_password1"])
def test_not_weak_credentials(value):
    assert weak_credential_reason(value) is None
    assert not names_a_secret(value)


@pytest.mark.parametrize("value", ["example_postgres_password", "sample-token", "invalid",
                                   "my.example.secret"])
def test_example_words_are_placeholders(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("name, word", [("DB_PASSWORD", "PASSWORD"), ("OPENAI_API_KEY", "API_KEY"),
                                        ("clientSecret", "SECRET"), ("PASSWORD_RESET_TOKEN", "TOKEN")])
def test_secret_word_names_what_made_the_key_secret(name, word):
    assert secret_word(name) == word
