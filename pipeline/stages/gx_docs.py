"""great-expectations' Data Docs as pages that open complete without internet access, in plain words.

Its own pages fetch jQuery, Bootstrap and bootstrap-table from the web, and the list of results
on the index page is drawn by those scripts: on an office machine without internet the list is
empty. These page views (named in pipeline.stages.gx's site configuration, which great-expectations
loads by module and class name) render the same content with no script at all: the index's lists
are plain HTML tables with a link to each page, "show more" parts are the browser's own <details>,
tabs are headings, and the styles are written into each page. Before a page is laid out, its
words are translated out of great-expectations' own ("Batch Markers", "Unsuccessful Expectations",
pass and fail icons from a web font) into the words the Data quality sheet uses, and what only a
developer could read (batch identifiers, pandas code to find the rows) is left out.

Only this module and pipeline.stages.gx know great-expectations' page structure.
"""

from __future__ import annotations

import re
from typing import Any

from great_expectations.render.view.view import DefaultJinjaIndexPageView, DefaultJinjaPageView
from jinja2 import BaseLoader, ChoiceLoader, DictLoader  # great-expectations' template engine

# Whole strings of great-expectations' pages, and the plain words that replace them.
WORDS = {
    "Evaluated Expectations": "Checks run",
    "Successful Expectations": "Checks passed",
    "Unsuccessful Expectations": "Checks failed",
    "Success Percent": "Share passed",
    "Table-Level Expectations": "Checks comparing two figures",
    "Expectation": "Check",
    "Expectation Suite": "Set of checks",
    "Expectation Suites": "Sets of checks",
    "Expectation Suite Name": "Set of checks",
    "Validation Results": "Results",
    "Observed Value": "What was found",
    "Status": "Result",
    "Status:": "Result:",
    "Succeeded": "Passed",
    "Unexpected Value": "Value that failed",
    "Count": "Rows",
    "ref": "Measure",
    "quarter": "Quarter",
    "Run Name": "Quarter checked",
    "Run Time": "Checked at",
    "Asset Name": "What was checked",
    "Great Expectations Version": "great-expectations version",
    "Show more info...": "About this run",
    "Info": "About",
    "Statistics": "In numbers",
    "qa_record": "QA record",
}
# Phrases within strings (longest first), for the sentences great-expectations builds round numbers.
PHRASES = (
    ("$unexpected_count unexpected values found. $unexpected_percent of $element_count total rows.",
     "$unexpected_count failed: $unexpected_percent of the $element_count checked."),
    ("Expectation Suite:", "Set of checks:"),
    ("This Expectation suite currently contains", "The suite has"),
    (" total Expectations across ", " checks, on "),
    ("Data Docs", "Checks on the figures"),
    ("Validations / ", "Results / "),
    ("Expectations / ", "The checks / "),
    ("${data_asset} ${data_asset_name}\n ", ""),  # "Data asset: None": the frame has no name
    ("${html_success_icon} ", ""),  # an icon before the word it stands for
    (" unexpected", " failed"),
)
# Parts only a developer could read: great-expectations' batch details and pandas code.
LEFT_OUT_HEADERS = {"Batch Markers", "Batch Kwargs", "Batch Parameters", "Batch Spec", "Batch Definition"}
LEFT_OUT_LINKS = {"To retrieve all unexpected values..."}
LEFT_OUT_COLUMNS = {"batch_identifier"}
# Icons from the web font, as words.
ICONS = {"fa-check-circle": ("Passed", "ge-passed"), "fa-times": ("Failed", "ge-failed"),
         "fa-comment": ("Notes", "ge-notes")}
_ICON_HTML = re.compile(r'<i class="[^"]*\b(fa-[a-z-]+)\b[^"]*"[^>]*>\s*</i>')

STYLE = """
body { font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.4; color: #1a1a1a;
       margin: 0 auto; padding: 0 24px 48px; max-width: 1200px; }
header { border-bottom: 2px solid #1F3864; padding: 12px 0; margin-bottom: 16px; }
header a { color: #1F3864; font-weight: bold; }
h1 { font-size: 24px; color: #1F3864; margin: 8px 0; }
h2 { font-size: 19px; color: #1F3864; margin: 20px 0 8px; }
h5, h6, .h6 { font-size: 16px; font-weight: bold; margin: 10px 0 4px; }
.ge-section { margin-bottom: 18px; }
.alert-secondary { background: #DDE4EE; padding: 6px 10px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #BFBFBF; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #DDE4EE; }
td table th, td table td { font-size: 14px; }
.ge-passed { color: #006100; font-weight: bold; }
.ge-failed { color: #9C0006; font-weight: bold; }
.text-danger { color: #9C0006; }
.badge { background: #EDEDED; border-radius: 3px; padding: 0 4px; }
details { margin: 6px 0; }
summary { cursor: pointer; color: #1F3864; font-weight: bold; }
nav ul { margin: 4px 0 12px; }
code { background: #F2F2F2; padding: 0 3px; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>QA record: checks on the figures</title>
    <style>{% include 'offline_styles.css' %}</style>
  </head>
  <body>
    {% include 'top_navbar.j2' %}
    <main>
      {% include 'ge_info.j2' %}
      {% if renderer_type != "SiteIndexPageRenderer" %}{% include 'table_of_contents.j2' %}{% endif %}
      {% for section in sections %}
        {% set section_loop = loop -%}
        {% include 'section.j2' %}
      {% endfor %}
    </main>
  </body>
</html>
"""

TEMPLATES = {
    "page.j2": _PAGE,
    "index_page.j2": _PAGE,
    "offline_styles.css": STYLE,
    "js_script_imports.j2": "",  # no script: nothing is fetched, and nothing needs one
    "favicon.j2": "",
    "cloud-footer.j2": "",
    "top_navbar.j2": """
{% set depth = expectation_suite_name.count(".") if expectation_suite_name else 0 -%}
{% if "ValidationResults" in renderer_type %}{% set home_url = ((depth + 4) * "../") + "index.html" -%}
{% elif "ExpectationSuite" in renderer_type %}{% set home_url = ((depth + 1) * "../") + "index.html" -%}
{% else %}{% set home_url = "" -%}{% endif %}
<header>
  {% if home_url %}<a href="{{ home_url }}">QA record: checks on the figures</a>{% else %}<strong>QA record</strong>{% endif %}
  {% if page_title %} &rsaquo; {{ page_title }}{% endif %}
</header>
""",
    "ge_info.j2": """
{% if renderer_type == "ValidationResultsPageRenderer" %}
  <h1>Results of the checks on the figures</h1>
  <p>Each check of the suite (schemas/expectations.yaml) on this run's figures, and whether it passed. A check
  that failed lists the measures and quarters it found wrong; the workbook's Data quality sheet says what to do.</p>
{% elif renderer_type == "ExpectationSuitePageRenderer" %}
  <h1>The checks on the figures</h1>
  <p>Every check in the suite (schemas/expectations.yaml), with what to do if it fails.</p>
{% else %}
  <h1>QA record: checks on the figures</h1>
  <p>great-expectations' record of the checks on this run's figures. Open the results of the run, or the
  list of the checks, from the tables below; every page opens without internet access.</p>
{% endif %}
""",
    "bootstrap_table.j2": """
{% include 'content_block_header.j2' %}
{% set table_columns = content_block["table_columns"] %}
{% set rows = content_block["table_data"] | render_bootstrap_table_data %}
{% set linked = rows | selectattr("_table_row_link_path", "defined") | list | length > 0 %}
<table id="{{ content_block_id }}-body-table">
  <thead><tr>
    {% for column in table_columns %}<th>{{ column["title"] }}</th>{% endfor %}
    {% if linked %}<th>Page</th>{% endif %}
  </tr></thead>
  <tbody>
    {% for row in rows %}<tr>
      {% for column in table_columns %}<td>{{ row.get(column["field"], "") }}</td>{% endfor %}
      {% if linked %}<td><a href="{{ row.get('_table_row_link_path', '') }}">Open</a></td>{% endif %}
    </tr>{% endfor %}
  </tbody>
</table>
""",
    "tabs.j2": """
{% include 'content_block_header.j2' %}
{% for tab in content_block["tabs"] %}
  <h2>{{ tab.get("tab_name", "") }}</h2>
  {{ tab.get("tab_content") | render_content_block(content_block_id=content_block_id ~ '-' ~ loop.index) }}
{% endfor %}
""",
    "collapse.j2": """
<details id="{{ content_block_id }}-parent">
  <summary>{{ content_block.get("collapse_toggle_link", "Show more") | render_content_block }}</summary>
  {% set content_block_body_styling = "" %}
  {% include 'content_block_header.j2' %}
  {% for block in content_block["collapse"] %}
    {{ block | render_content_block(content_block_id=content_block_id ~ "-collapse-item-" ~ loop.index) }}
  {% endfor %}
</details>
""",
}


def _left_out(node: Any) -> bool:
    """A part of a page only a developer could read (see LEFT_OUT_*)."""
    if not isinstance(node, dict):
        return False
    header = node.get("header")
    title = header.get("string_template", {}).get("template") if isinstance(header, dict) else header
    return any(isinstance(said, str) and said in words for said, words in (
        (title, LEFT_OUT_HEADERS), (node.get("collapse_toggle_link"), LEFT_OUT_LINKS),
        (node.get("field"), LEFT_OUT_COLUMNS)))


def _icon_words(node: dict[str, Any]) -> dict[str, Any]:
    """A string template whose parameter is drawn as a web-font icon, with the icon's word instead."""
    template = node.get("string_template")
    if not isinstance(template, dict):
        return node
    styling = template.get("styling", {}).get("params", {})
    for name, style in list(styling.items()):
        icon = next((ICONS[c] for c in style.get("classes", []) if c in ICONS), None)
        if icon:
            template.setdefault("params", {})[name] = icon[0]
            styling[name] = {"tag": "span", "classes": [icon[1]]}
    return node


def _reworded(text: str) -> str:
    text = WORDS.get(text, text)
    for phrase, plain in PHRASES:
        text = text.replace(phrase, plain)
    return _ICON_HTML.sub(lambda m: f'<span class="{ICONS[m[1]][1]}">{ICONS[m[1]][0]}</span>'
                          if m[1] in ICONS else "", text)


def plain(node: Any) -> Any:
    """A page's content in plain words, without the parts only a developer could read."""
    if isinstance(node, dict):
        return {key: plain(value) for key, value in _icon_words(node).items()}
    if isinstance(node, list):
        return [plain(value) for value in node if not _left_out(value)]
    if isinstance(node, str):
        return _reworded(node)
    return node


class _Offline:
    """Our templates in front of great-expectations' own, and the content in plain words."""

    env: Any
    _template: str

    def __init__(self, custom_styles_directory: str | None = None, custom_views_directory: str | None = None) -> None:
        super().__init__(custom_styles_directory, custom_views_directory)  # type: ignore[call-arg]
        loaders: list[BaseLoader] = [DictLoader(TEMPLATES), self.env.loader]
        self.env.loader = ChoiceLoader(loaders)

    def render(self, document: Any, template: str | None = None, **kwargs: Any) -> str:
        self._validate_document(document)  # type: ignore[attr-defined]
        page = self._get_template(template or self._template)  # type: ignore[attr-defined]
        return page.render(plain(document.to_json_dict()), **kwargs)


class OfflinePageView(_Offline, DefaultJinjaPageView):
    """A validation result's page, or the suite's."""


class OfflineIndexPageView(_Offline, DefaultJinjaIndexPageView):
    """The index page: the list of results and the list of suites."""
