"""Moved: the start-order phrases live with the rest of the docs vocabulary
(`auditor.knowledge.docs_vocabulary`); this name stays so that older imports keep working."""
from __future__ import annotations

from .docs_vocabulary import ORDER_PHRASES, fold, marks_start_order

__all__ = ["ORDER_PHRASES", "fold", "marks_start_order"]
