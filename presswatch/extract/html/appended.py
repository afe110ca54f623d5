"""A second article appended under the first: cut at its repeated headline block, in the DOM.

Feed-style and 'continuous reading' pages (360kuai, toutiao-like portals) print a whole recommended
article under the one the page is about, with the same markup: a headline element of the same tag and
class, a byline and a dateline. When the page's own article is short (a Weibo-style post of 200
characters) the appended one wins on text density and every extractor returns it instead. Its container
is often named "recommend", but it holds most of the page's running text, so the furniture rules (which
never remove such a block, presswatch.extract.html.clean.MAX_SHARE) keep it.

Rule: the page's headline element is the first h1-h3 whose text matches the page title. A later element
of the same tag and (non-empty) class that does not match the title, in a block of its own and followed
by a dateline in the next DATELINE_WINDOW characters, opens another article; the branch holding it (the
child of the lowest element holding both headlines) goes, with every later sibling of that branch
(related lists, more appended articles). It is cut only when the page's own article, before the branch, has text of its own
(OWN_TEXT characters beyond its headline), so a page whose body itself repeats the headline tag keeps it.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from presswatch.extract.html.clean import normal_form, text_size

HEADINGS = ("h1", "h2", "h3")
MIN_HEADLINE = 6  # normalised characters: shorter headings ('快资讯', a logo) name no article
DATELINE_WINDOW = 200  # characters of the appended article's opening searched for its dateline
OWN_TEXT = 40  # characters the page's own article holds outside its headline, before the cut
_DATELINE = re.compile(r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


def _matches_title(heading: str, title: str) -> bool:
    """One holds the other: headlines carry button labels ('播报文章'), titles carry site names."""
    return len(heading) >= MIN_HEADLINE and (heading in title or title in heading)


def _opens_with_dateline(branch: HtmlElement, heading: HtmlElement) -> bool:
    if next(branch.iter("time"), None) is not None:
        return True
    text = "".join(branch.text_content().split())
    start = text.find("".join(heading.text_content().split()))
    return bool(_DATELINE.search(text[max(start, 0) : max(start, 0) + DATELINE_WINDOW]))


def cut_appended_articles(root: HtmlElement, title: str | None) -> int:
    """Remove an appended second article (and what follows it) from `root`, in place: elements removed."""
    norm_title = normal_form(title or "")
    if len(norm_title) < MIN_HEADLINE:
        return 0
    headings = list(root.iter(*HEADINGS))
    first = next((h for h in headings if _matches_title(normal_form(h.text_content()), norm_title)), None)
    if first is None:
        return 0
    first_ancestors = set(first.iterancestors())
    for later in headings[headings.index(first) + 1 :]:
        if later.tag != first.tag or not first.get("class") or later.get("class") != first.get("class"):
            continue  # an unstyled heading repeated is as likely a section heading of the article
        text = normal_form(later.text_content())
        if len(text) < MIN_HEADLINE or _matches_title(text, norm_title):
            continue
        branch = later
        while branch.getparent() is not None and branch.getparent() not in first_ancestors:
            branch = branch.getparent()
        common = branch.getparent()
        # A heading standing alone in the article's own block is a section heading: another article
        # comes in a block of its own (headline, byline, dateline, text).
        if common is None or branch is later or not _opens_with_dateline(branch, later):
            continue
        own = text_size(common.text_content()) - sum(
            text_size(el.text_content()) for el in [branch, *branch.itersiblings()]
        )
        if own - text_size(first.text_content()) < OWN_TEXT:
            continue
        doomed = [branch, *branch.itersiblings()]
        for el in doomed:
            el.drop_tree()
        return len(doomed)
    return _cut_recommended(root, first)


def _cut_recommended(root: HtmlElement, first: HtmlElement) -> int:
    """Blocks named for recommended or related content after the page's headline, opening with a
    heading or a link (an item's title: a body opens with prose), once OWN_TEXT of the page's own text
    came between: removed whatever their size."""
    elements = list(root.iter())
    order = {el: i for i, el in enumerate(elements)}
    end_first = order[first] + sum(1 for _ in first.iterdescendants())
    # Text before each element in page order (its own text and the tails of those before it).
    before = [0]
    for el in elements:
        before.append(before[-1] + (text_size(el.text) + text_size(el.tail) if isinstance(el.tag, str) else 0))
    doomed: list[HtmlElement] = []
    for el in root.iter(*_CONTAINERS):
        i = order[el]
        if i <= end_first or not _RECOMMENDED.search(f"{el.get('class', '')} {el.get('id', '')}"):
            continue
        ancestors = list(el.iterancestors())
        if any(a in doomed for a in ancestors) or not _opens_with_title(el):
            continue
        # An ancestor's tail comes after `el`, not before it.
        between = before[i] - before[end_first + 1] - sum(text_size(a.tail) for a in ancestors if order[a] > end_first)
        if between >= OWN_TEXT:
            doomed.append(el)
    for el in doomed:
        el.drop_tree()
    return len(doomed)


_CONTAINERS = ("div", "section", "aside", "ul", "ol")
_TITLED = frozenset({*HEADINGS, "h4", "a"})
_RECOMMENDED = re.compile(r"recommend|related|relate[-_]", re.I)


def _opens_with_title(el: HtmlElement) -> bool:
    """The block's first text sits in a heading or a link."""
    for node in el.iter():
        if not isinstance(node.tag, str):
            continue
        if node.text and node.text.strip():
            while node is not el:
                if node.tag in _TITLED:
                    return True
                node = node.getparent()
            return el.tag in _TITLED
        if node is not el and node.tail and node.tail.strip():
            return False
    return False
