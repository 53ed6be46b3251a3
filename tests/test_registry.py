"""Rule metadata written once and pinned: the permanent ids of ../shared/CONTRACT.md's catalog,
options from the rule functions' keyword defaults, documented in an `## Options` section."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.registry import PHASES, all_rules

ROOT = Path(__file__).resolve().parent.parent

# The catalog of ../shared/CONTRACT.md: id -> (name, default severity). Ids are permanent: a
# rule may be renamed (the old name stays as an alias) but its id never changes or is reused.
CATALOG = {
    "AUD001": ("parse-error", "error"),
    "AUD002": ("file-skipped", "warning"),
    "PORT001": ("host-port-conflict", "error"),
    "EXP001": ("public-datastore-port", "error"),
    "EXP002": ("world-open-ingress", "error"),
    "EXP003": ("all-traffic-open", "error"),
    "EXP004": ("proxy-bypass", "warning"),
    "EXP005": ("stale-ingress", "note"),
    "SEC001": ("plaintext-secret", "error"),
    "SEC002": ("credentials-in-url", "error"),
    "SEC003": ("default-credential", "error"),
    "URL001": ("url-mismatch", "warning"),
    "URL002": ("unrouted-url", "error"),
    "URL003": ("websocket-upgrade-missing", "error"),
    "URL004": ("internal-via-public-address", "warning"),
    "ORD001": ("missing-dependency", "error"),
    "ORD002": ("dependency-cycle", "error"),
    "ORD003": ("healthcheck-missing", "error"),
    "ORD004": ("documented-order-contradiction", "warning"),
    "NGX001": ("unresolved-proxy-target", "error"),
    "NGX002": ("duplicate-server", "warning"),
    "NGX003": ("weak-tls-protocol", "error"),
    "ENV001": ("duplicate-key", "warning"),
    "ENV002": ("undefined-variable", "warning"),
    "ENV003": ("env-key-drift", "warning"),
    "DRF001": ("docs-drift", "warning"),
    "DRF002": ("live-drift", "warning"),
}
# Ids the team added beyond the catalog (same family prefixes), equally permanent.
ADDED = {
    "AUD003": ("unused-suppression", "warning"),
}
# Ids that existed and were removed: never to be used again.
RETIRED: set[str] = set()
FAMILIES = ("AUD", "PORT", "EXP", "SEC", "URL", "ORD", "NGX", "ENV", "DRF")


def test_catalog_ids_keep_their_names_and_severities():
    rules = all_rules()
    for rid, (name, severity) in {**CATALOG, **ADDED}.items():
        assert rid in rules, f"{rid} ({name}) is a permanent id: it cannot disappear (retire it)"
        r = rules[rid]
        assert name in (r.name, *r.aliases), f"{rid} renamed without keeping {name!r} as an alias"
        assert r.severity == severity, f"{rid}: default severity {r.severity}, catalog {severity}"


def test_every_rule_id_is_pinned_and_none_reused():
    rules = all_rules()
    unpinned = sorted(set(rules) - set(CATALOG) - set(ADDED))
    assert not unpinned, f"add new ids to ADDED in tests/test_registry.py: {unpinned}"
    assert not RETIRED & set(rules), f"retired ids reused: {sorted(RETIRED & set(rules))}"
    assert not RETIRED & (set(CATALOG) | set(ADDED))
    assert all(re.fullmatch(rf"(?:{'|'.join(FAMILIES)})\d{{3}}", rid) for rid in rules)


def test_pinned_catalog_matches_the_contract():
    """When the team's shared contract is at hand (../shared/CONTRACT.md), the pin agrees with it."""
    candidates = [p / "shared" / "CONTRACT.md" for p in (ROOT.parent, ROOT.parent.parent)]
    contract = next((p for p in candidates if p.is_file()), None)
    if contract is None:
        pytest.skip("../shared/CONTRACT.md is not next to this checkout")
    rows = re.findall(r"^\| ([A-Z]+\d{3}) \| ([a-z0-9-]+) \| \[(\w+)\]", contract.read_text(), re.M)
    assert {rid: (name, sev) for rid, name, sev in rows} == CATALOG


def test_options_come_from_keyword_defaults_and_are_documented():
    for r in all_rules().values():
        assert r.phase in PHASES
        documented = r.sections().get("Options", "")
        if not r.options:
            assert not documented, f"{r.id} documents options it does not have"
            continue
        for name, default in r.options.items():
            assert f"`{name}`" in documented, f"{r.id}: option {name!r} missing from its ## Options"
            assert not isinstance(default, (list, dict, set)), f"{r.id}: mutable default for {name!r}"
