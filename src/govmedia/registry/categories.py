"""Account categories (评估范围 of seed 001) with their Chinese labels and accepted aliases."""

from __future__ import annotations

CATEGORIES: dict[str, tuple[str, ...]] = {
    # id: (Chinese label, other accepted spellings...)
    "ministry": ("部委", "国务院部门", "国家部委"),
    "provincial_gov": ("省级政府", "省级人民政府"),
    "provincial_dept": ("省级政府部门", "省级部门"),
}


def category_label(category: str) -> str:
    """Return the Chinese label of a category id (the id itself when unknown)."""
    labels = CATEGORIES.get(category)
    return labels[0] if labels else category
