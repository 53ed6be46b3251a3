"""How architecture docs say things: the words that give a table column or a heading its meaning.

Docs state facts in tables whose headers vary with the author and the language. A column is
understood when its header, folded (lower case, accents and markup removed, blanks collapsed),
equals one of the synonyms of a role below; a table with no understood column is not read. Users
add headers in their configuration, without touching this file:

    [docs]
    synonyms = { host_port = ["Port Hôte"], destination = ["Renvoie vers"] }

Roles:
- `service`, `container`: which compose service a row is about (its name or container_name);
- `host_port`: ports published on the host, with their bind address (`127.0.0.1:3005`);
- `container_port`: ports inside the container;
- `port`: a bare "Port": in a service table either of the two, in a route table the port the
  destination listens on (or the server's port, when the destination names its own: `Grafana (3005)`);
- `route`, `destination`, `destination_port`, `domain`, `listen_port`: an nginx location, where it
  goes, and on which server;
- `variable`, `value`: an environment variable and the value it holds.

Start orders (ORD004) are announced by headings, matched against ORDER_PHRASES.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Mapping, Optional

COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "service": (
        "service", "services", "services docker", "service docker", "compose service", "nom du service", "servicio",
        "dienst",
    ),
    "container": (
        "container", "container name", "conteneur", "conteneur docker", "nom du conteneur",
        "docker container", "contenedor",
    ),
    "host_port": (
        "port local", "port hote", "port de l'hote", "host port", "host ports", "published port",
        "published ports", "published", "port publie", "ports publies", "port externe",
        "external port", "bind", "binding", "liaison", "host binding", "exposed on host",
    ),
    "container_port": (
        "port interne", "ports internes", "internal port", "internal ports", "container port",
        "container ports", "port du conteneur", "port conteneur", "target port", "port cible",
    ),
    "port": ("port", "ports", "puerto", "porta"),
    "route": ("route", "routes", "location", "chemin", "path", "url path", "ruta"),
    "destination": (
        "destination", "cible", "backend", "upstream", "proxy vers", "proxy to", "proxied to",
        "forwards to", "redirige vers", "target", "destino",
    ),
    "destination_port": ("port de destination", "destination port", "port backend", "backend port",
                         "upstream port"),
    "domain": ("domaine", "domain", "nom de domaine", "server name", "server_name", "hostname", "host",
               "hote", "vhost", "site"),
    "listen_port": ("port d'ecoute", "listen port", "listen", "port nginx", "port ecoute"),
    "variable": ("variable", "variables", "env var", "environment variable", "nom de variable", "cle",
                 "key", "parametre"),
    "value": ("valeur", "value", "valeurs", "values", "wert", "valor"),
}

# Cells that say "none" (as opposed to an empty cell, which says nothing).
NONE_MARKERS = frozenset({"-", "--", "—", "–", "n/a", "na", "none", "aucun", "aucune", "neant",
                          "non publie", "not published", "internal only", "interne uniquement"})

# Values a docs author writes instead of the real one: never compared.
ELIDED_VALUES = re.compile(r"^(?:\.{2,}|…|\*{3,}|x{3,}|<[^<>]*>|\[[^\[\]]*\]|\(.*\)|voir .*|see .*)$", re.I)

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
    if text.isascii():  # nothing to decompose; str.split's blanks are re's \s
        return " ".join(text.split()).lower()
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain.replace("’", "'")).strip().lower()


def marks_start_order(heading: str) -> bool:
    """Whether a heading announces a start order (its numbered lists are one, for ORD004)."""
    folded = fold(heading)
    return any(p in folded for p in ORDER_PHRASES)


def header_key(header: str) -> str:
    """A header as compared: folded, emphasis and trailing punctuation dropped."""
    return fold(header).strip("*_`:. ")


def synonyms(extra: Optional[Mapping[str, tuple[str, ...] | list[str]]] = None) -> dict[str, str]:
    """Folded header -> role, the user's extra headers added (roles not listed are ignored)."""
    table = {header_key(h): role for role, words in COLUMN_SYNONYMS.items() for h in words}
    for role, words in (extra or {}).items():
        if role in COLUMN_SYNONYMS:
            for h in words:
                table[header_key(h)] = role
    return table


def column_role(header: str, table: Mapping[str, str]) -> Optional[str]:
    return table.get(header_key(header))
