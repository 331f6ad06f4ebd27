"""Menu understanding: the function each menu item offers (政务公开, 解读回应, 办事服务, 政民互动).

国办发〔2018〕123号 gives government new media three functions: 推进政务公开、强化解读回应 (here
"public" and "interpret", which together make the first function), 加强政民互动 ("interact") and
突出民生事项、优化掌上服务 ("service"). Anything else (home page, topic, app download) is "other".

An item is classified from, in order: its whole label (creative names in `exact`), the longest
keyword in its label, its target page's title and headings, its parent menu (sub-items), or the
functions of its sub-items (top-level menus). The keywords are data (data/menu_taxonomy.yaml).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from govmedia.artifacts import Menu, MenuItem, PageSnapshot
from govmedia.checks.page_state import load_data

FUNCTIONS = ("interact", "interpret", "service", "public", "other")  # tie order of keywords
CORE = ("public", "service", "interact")  # the three functions; interpret counts as public
NAMES = {"public": "政务公开", "interpret": "解读回应", "service": "办事服务",
         "interact": "政民互动", "other": "其他"}
_NOT_WORD = re.compile(r"[^\w@]|_")


def taxonomy() -> dict[str, Any]:
    """Return data/menu_taxonomy.yaml (loaded once by load_data)."""
    return load_data("menu_taxonomy")


def normalise(label: str) -> str:
    """Return the label without spaces, punctuation and emoji, case-folded ("看 政策"→"看政策")."""
    return _NOT_WORD.sub("", label).casefold()


def core(function: str) -> str:
    """Return the core function a function belongs to (解读回应 is part of 政务公开)."""
    return "public" if function == "interpret" else function


def longest_match(text: str, table: dict[str, Iterable[Any]]) -> tuple[str, str]:
    """Return (function, keyword) of the longest keyword of table found in text, or ("", "")."""
    text = normalise(text)
    best, best_word = "", ""
    for fid in FUNCTIONS:
        for word in table.get(fid) or ():
            w = normalise(str(word))
            if w and w in text and len(w) > len(best_word):
                best, best_word = fid, w
    return best, best_word


def classify_label(label: str) -> tuple[str, str]:
    """Return (function, keyword) for a menu label alone; ("", "") when it says nothing."""
    tax = taxonomy()
    name = normalise(label)
    exact = {normalise(k): v for k, v in tax["exact"].items()}
    if name in exact:
        return exact[name], name
    return longest_match(name, {f: s["labels"] for f, s in tax["functions"].items()})


def classify_page(page: PageSnapshot) -> tuple[str, str]:
    """Return (function, keyword) from a loaded page's title and headings, or ("", "")."""
    if not page.ok:
        return "", ""
    return longest_match("\n".join((page.title, *page.headings)), taxonomy()["page"])


def is_neutral(label: str) -> bool:
    """Return True when the label fits under any top-level menu (FAQ, search, topics...)."""
    name = normalise(label)
    return any(normalise(str(w)) in name for w in taxonomy()["neutral"])


@dataclass(frozen=True, slots=True)
class ClassifiedItem:
    """One menu button with the function it was given and why."""

    path: str  # "带你办事/社保查询", or the top-level name
    label: str
    parent: str  # the top-level label of a sub-item, "" for a top-level button
    function: str  # one of FUNCTIONS
    basis: str  # exact | label | page | parent | children | none
    keyword: str  # the word that decided it ("" for parent/children/none)
    item: MenuItem
    pages: tuple[PageSnapshot, ...] = ()

    @property
    def leaf(self) -> bool:
        return not self.item.children

    @property
    def from_label(self) -> bool:
        return self.basis in ("exact", "label")

    def evidence(self) -> dict[str, Any]:
        return {"menu_path": self.path, "function": self.function, "basis": self.basis,
                "keyword": self.keyword, "type": self.item.type, "url": self.item.url,
                "page_titles": [p.title for p in self.pages if p.title]}


def pages_of(path: str, pages: Sequence[PageSnapshot]) -> tuple[PageSnapshot, ...]:
    """Return the pages collected for one menu path."""
    return tuple(p for p in pages if p.origin == "menu" and p.menu_path == path)


def classify_item(label: str, pages: Sequence[PageSnapshot] = (), parent: str = "",
                  children: Sequence[str] = ()) -> tuple[str, str, str]:
    """Return (function, basis, keyword) for one item from its label, pages, parent, children."""
    fid, word = classify_label(label)
    if fid:
        return fid, "exact" if normalise(label) in _exact_names() else "label", word
    if children:
        votes = Counter(core(c) for c in children if c != "other")
        if votes:
            top = max(votes.values())
            winners = [f for f in FUNCTIONS if votes.get(f) == top]
            if len(winners) == 1:
                return winners[0], "children", ""
    for page in pages:
        fid, word = classify_page(page)
        if fid:
            return fid, "page", word
    if parent:
        pfid, _ = classify_label(parent)
        if pfid:
            return pfid, "parent", ""
    return "other", "none", ""


@cache
def _exact_names() -> frozenset[str]:
    return frozenset(normalise(k) for k in taxonomy()["exact"])


def classify_menu(menu: Menu | None, pages: Sequence[PageSnapshot] = ()) -> list[ClassifiedItem]:
    """Return every button of the menu, each top-level button followed by its sub-items."""
    out: list[ClassifiedItem] = []
    for top in menu.items if menu is not None else ():
        kids = []
        for child in top.children:
            path = f"{top.name}/{child.name}"
            own = pages_of(path, pages)
            fid, basis, word = classify_item(child.name, own, parent=top.name)
            kids.append(ClassifiedItem(path, child.name, top.name, fid, basis, word, child, own))
        own = pages_of(top.name, pages)
        fid, basis, word = classify_item(top.name, own, children=[k.function for k in kids])
        out.append(ClassifiedItem(top.name, top.name, "", fid, basis, word, top, own))
        out += kids
    return out


def leaves(items: Sequence[ClassifiedItem]) -> list[ClassifiedItem]:
    """Return the buttons people can press: sub-items and top-level buttons without children."""
    return [c for c in items if c.leaf]
