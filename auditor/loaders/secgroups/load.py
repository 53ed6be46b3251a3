"""Security-group files: reading one with its format's module."""
from __future__ import annotations

import posixpath
from typing import Optional

from ...discovery import sniff_secgroup_format
from ...model import Loc
from ...reader import Reader
from . import aws_json, cfn, terraform
from .common import Problems, Rules, problem
from .terraform_values import folder_values, sg_module_preset

def load_secgroups(reader: Reader, path: str, fmt: Optional[str] = None) -> tuple[Rules, Problems]:
    """Rules of one file in its format ("aws-json", "terraform", "cfn": what discovery found,
    sniffed again when not given); ([], []) when it holds no security groups."""
    text, read_problem = reader.read(path)
    if text is None:
        return [], [read_problem] if read_problem else []
    fmt = fmt or sniff_secgroup_format(path, text)
    try:
        if fmt == "aws-json":
            return aws_json.rules_from_aws_json(text, path, reader.limits)
        if fmt == "terraform":
            folder = posixpath.dirname(path)
            folders: dict[str, object] = {}

            def load(f: str):
                if f not in folders:
                    folders[f] = folder_values(reader, f, terraform.parse_hcl)
                return folders[f]

            return terraform.rules_from_terraform(
                text, path, reader.limits.max_depth, folder=load(folder),  # type: ignore[arg-type]
                modules=lambda source: sg_module_preset(source, reader, folder, load))
        if fmt == "cfn":
            return cfn.rules_from_cfn(text, path, reader.limits)
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, IndexError) as exc:
        # last line of defence for the loader contract: one odd file must not stop a scan
        # (the exception's text is not shown: it may quote a value of the file)
        return [], [problem(f"could not be loaded ({type(exc).__name__})", Loc(path=path))]
    return [], []
