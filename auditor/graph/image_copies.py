"""Which repository files a Dockerfile copies into an image, and where they land there.

A COPY/ADD source is relative to the build context, which the Dockerfile does not name: compose
(`build: context`) or the command line does. Candidates are the Dockerfile's own folder and the
folders above it (`docker/Dockerfile` built from the repository root with `COPY docker/rootfs /`),
plus the contexts of the compose services that build it. A file is taken as copied when a source
names it (or a glob matches it), or when a copied folder puts it under a path where nginx reads
its configuration (`COPY rootfs /` placing `etc/nginx/conf.d/`); a whole-tree `COPY . /app` puts
an nginx file in the image but nowhere nginx looks, so it is no evidence.
"""
from __future__ import annotations

import fnmatch
import posixpath
from typing import Iterable, Optional

from ..model import DockerCopy, Dockerfile, Frozen, Loc

# Where nginx (or an image's entrypoint) reads configuration inside an image.
_NGINX_PLACES = ("/etc/nginx/", "/usr/local/nginx/conf/", "/usr/local/openresty/nginx/conf/",
                 "/etc/openresty/", "/opt/bitnami/nginx/conf/", "/config/nginx/", "/usr/local/etc/nginx/")


class ImageCopy(Frozen):
    """A repository file copied into an image by one COPY/ADD."""

    dockerfile: str
    image_path: str  # where it lands in the image
    loc: Loc  # the COPY/ADD line


def _norm(path: str) -> str:
    path = posixpath.normpath(path.strip("/")) if path.strip("/") else ""
    return "" if path == "." else path


def _contexts(dockerfile: Dockerfile, extra: Iterable[str]) -> list[str]:
    folder = _norm(posixpath.dirname(dockerfile.path))
    out = [folder]
    while folder:
        folder = _norm(posixpath.dirname(folder))
        out.append(folder)
    return list(dict.fromkeys([*(_norm(c) for c in extra), *out]))


def _landing(copy: DockerCopy, source: str, path: str, named: bool) -> str:
    """Where `path` (under the copied `source`) lands in the image."""
    dest = copy.destination if copy.destination.startswith("/") else "/" + copy.destination
    if named:  # the file itself: into a folder (`/etc/nginx/`) or as the file named
        return posixpath.join(dest, posixpath.basename(path)) if copy.destination.endswith("/") \
            or len(copy.sources) > 1 else posixpath.normpath(dest)
    inside = path[len(source):].lstrip("/") if source else path
    return posixpath.normpath(posixpath.join(dest, inside))


def copied_into_image(path: str, dockerfiles: Iterable[Dockerfile],
                      contexts: Optional[dict[str, list[str]]] = None) -> Optional[ImageCopy]:
    """The first COPY/ADD that puts the repository file `path` where an image's nginx reads it,
    or names it explicitly; None when no Dockerfile does. `contexts` maps a Dockerfile path to
    the build contexts compose gives it."""
    for dockerfile in dockerfiles:
        for copy in dockerfile.copies:
            if copy.from_stage is not None:
                continue  # from another stage or image, not from the repository
            for raw in copy.sources:
                if "://" in raw or raw.startswith("$"):
                    continue  # ADD of a URL, or a source named by a build argument
                for context in _contexts(dockerfile, (contexts or {}).get(dockerfile.path, ())):
                    source = _norm(posixpath.join(context, raw)) if raw.strip("/") not in ("", ".") else context
                    named = path == source or (any(c in raw for c in "*?[")
                                               and fnmatch.fnmatchcase(path, source))
                    under = not named and (source == "" or path.startswith(source + "/"))
                    if not (named or under):
                        continue
                    landing = _landing(copy, source, path, named)
                    if named or landing.startswith(_NGINX_PLACES) or "/templates/" in landing:
                        return ImageCopy(dockerfile=dockerfile.path, image_path=landing, loc=copy.loc)
    return None
