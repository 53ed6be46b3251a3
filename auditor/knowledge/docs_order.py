"""How docs announce a start order: the heading words that make a numbered list a start order.

Matched case-insensitively, accents ignored, against every enclosing heading of a list (so
"Ordre de Démarrage des Services > Services de Monitoring" counts). Extend freely.
"""
from __future__ import annotations

import re
import unicodedata

ORDER_PHRASES = (
    # English
    "start order", "startup order", "start-up order", "starting order", "boot order",
    "boot sequence", "startup sequence", "start-up sequence", "start sequence", "launch order",
    "order of startup", "order of start", "startup ordering", "start ordering",
    # French
    "ordre de demarrage", "ordre de lancement", "sequence de demarrage", "ordre d'amorcage",
    "demarrage sequentiel", "ordre de mise en route",
    # German, Spanish, Italian, Portuguese
    "startreihenfolge", "reihenfolge beim start", "orden de arranque", "orden de inicio",
    "ordine di avvio", "ordem de inicializacao", "ordem de arranque",
)


def fold(text: str) -> str:
    """Lower case, accents removed, runs of blanks made one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain.replace("’", "'")).strip().lower()


def marks_start_order(heading: str) -> bool:
    folded = fold(heading)
    return any(p in folded for p in ORDER_PHRASES)
