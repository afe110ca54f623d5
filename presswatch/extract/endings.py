"""Where an article ends on a page that goes on: a print/pagination line, or its headline printed again.

Two page kinds keep a second text after the article, which the tail cuts of presswatch.extract.furniture
miss because that second text is long prose:
- blog archives and old portals close each post with an action line ('| [打印] |', '【关闭窗口】',
  '第1页/共1页 << 上一页 | 下一页 >>') and go on with the next post, title first;
- 2000s portals print the headline (and dateline) again under the article, as the header of a second
  copy or of the next item.
Either line, once the article has substantial text, ends it: everything after is another text. When far
more prose follows than came before, only a title-like next line (a new post opening) confirms the end.
Pure functions.
"""

from __future__ import annotations

import re

# Action labels that only page chrome prints, alone on their line between separators.
_ACTION = (
    r"打印(?:本页|本頁|此文|文章|本文)?|关闭(?:窗口)?|關閉(?:視窗|窗口)?|(?:发表|發表|我要|查看)?(?:评论|評論)(?:\(\d+\))?"
    r"|引用|收藏(?:本文)?|推荐(?:给朋友)?|推薦|转发|轉發|返回顶部|返回頂部|上一页|下一页|上一頁|下一頁"
    r"|上一篇|下一篇|第\s*\d+\s*页\s*/\s*共\s*\d+\s*页|第\s*\d+\s*頁\s*/\s*共\s*\d+\s*頁|阅读\(\d+\)|閱讀\(\d+\)"
    r"|点击阅读更多\S{0,12}|點擊閱讀更多\S{0,12}"
)
_SEPARATORS = r"[\s|｜丨/\[\]【】<>《》«»()（）·•]*"
_ACTION_LINE = re.compile(rf"^{_SEPARATORS}(?:(?:{_ACTION}){_SEPARATORS})+$")
TITLE_LIKE_MAX = 40
_SENTENCE_END = tuple("。！？!?；;…”」")


def is_action_line(text: str) -> bool:
    """'| [打印] |', '【打印本页】【关闭窗口】', '第1页/共1页 << 上一页 | 下一页 >>'."""
    return bool(_ACTION_LINE.match(text.strip())) and any(ch.isalnum() for ch in text)


def is_title_like(text: str | None) -> bool:
    """A short line without a sentence end: how a post or an article opens."""
    text = (text or "").strip()
    return 4 <= len(text) <= TITLE_LIKE_MAX and not text.endswith(_SENTENCE_END)


def article_end(text: str, title: str | None) -> str | None:
    """Why `text` ends the article before it ('closing-actions', 'title-repeat'), or None."""
    if is_action_line(text):
        return "closing-actions"
    # The headline as a line of its own: not a table row or list item naming the subject (an infobox).
    if title and len(title) >= 4 and " ".join(text.split()) == " ".join(title.split()):
        return "title-repeat"
    return None
