"""How bad a security finding is, on GitHub code scanning's `security-severity` scale.

GitHub reads a number from 0.0 to 10.0 and shows it as a band: critical above 9.0, high from
7.0, medium from 4.0, low below. Each security rule has the impact of what it usually finds;
a rule may raise one occurrence (a world-open datastore among world-open ports, `Problem.impact`),
and a severity lowered in the configuration lowers the band with it.
"""
from __future__ import annotations

from typing import Optional

BANDS = ("low", "medium", "high", "critical")
SCORES = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.5"}

RULE_IMPACT = {
    "EXP001": "critical",  # a datastore published on every interface: reached by scanners in minutes
    "EXP002": "high",      # SSH, RDP, admin UIs open to the world (a datastore port: critical)
    "EXP003": "critical",  # the firewall opens everything
    "EXP004": "medium",    # the proxy's TLS, auth and limits can be bypassed
    "EXP005": "low",       # an opening nothing uses today
    "SEC001": "high",      # a committed secret
    "SEC002": "high",      # a password inside a committed URL
    "SEC003": "high",      # a default credential anyone can guess
    "NGX003": "medium",    # TLS versions with known downgrade attacks
    "URL004": "low",       # internal traffic through the public address
}

# The highest band a finding keeps when its configured severity is below the rule's default.
_CAP = {"error": "critical", "warning": "medium", "note": "low"}


def impact(rule_id: str, severity: str, default_severity: str,
           raised: Optional[str] = None) -> str:
    """The band of one finding of `rule_id` reported at `severity`."""
    band = raised or RULE_IMPACT.get(rule_id) or {"error": "high", "warning": "medium"}.get(
        default_severity, "low")
    if severity != default_severity:
        cap = _CAP.get(severity, "low")
        if BANDS.index(band) > BANDS.index(cap):
            band = cap
    return band


def score(band: str) -> str:
    return SCORES[band]
