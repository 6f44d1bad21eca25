"""Card answers: Markdown with tables, math and highlighted code, sanitized to safe HTML.

Math is left as ``<span class="math inline">`` / ``<div class="math block">`` elements
holding the TeX source; KaTeX (vendored) typesets them in the browser.
"""

from __future__ import annotations

from functools import cache

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "span", "div", "img", "sup", "sub",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "span": {"class"},
    "div": {"class"},
    "code": {"class"},
    "pre": {"class"},
    "th": {"style"},
    "td": {"style"},
}


def _highlight(code: str, lang: str, _attrs: str) -> str:
    name = (lang or "").split()[0] if lang else ""
    try:
        lexer = get_lexer_by_name(name or "text")
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    spans = highlight(code, lexer, HtmlFormatter(nowrap=True))
    return (
        f'<pre class="highlight"><code class="language-{lexer.aliases[0]}">{spans}</code></pre>\n'
    )


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)
    return md


def render_markdown(source: str) -> str:
    """Markdown → sanitized HTML (raw HTML in the source is escaped, then nh3 cleans)."""
    html = _parser().render(source)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
