"""Locations built field by field, for the loaders' hot paths (a line of an env file, a URL of a
doc): the frozen dataclasses' keyword `__init__` costs about three times as much, and a big
file makes hundreds of thousands of them. Used only while the model's `Loc` has exactly these
fields (`LOC_FAST`); otherwise callers use the ordinary constructors."""
from __future__ import annotations

from ...model import Loc

# (`model_fields` also builds the class, which `new_loc` instantiates without __init__)
LOC_FAST = list(Loc.model_fields) == ["path", "line", "column"]


def new_loc(path: str, line: int, column: int, new=object.__new__, set_=object.__setattr__,
            loc_class=Loc) -> Loc:
    """`Loc(path=path, line=line, column=column)`, field by field."""
    loc = new(loc_class)
    set_(loc, "path", path)
    set_(loc, "line", line)
    set_(loc, "column", column)
    return loc
