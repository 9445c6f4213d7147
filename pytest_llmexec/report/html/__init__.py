"""The HTML report (``--llm-html``): one self-contained page of charts and cases.

The page works offline and makes no request: charts are inline SVG drawn by
`svg`, the style and a small filter script are inlined from ``templates/``,
and a Content-Security-Policy allows nothing else (the script by its hash).
Every text that comes from a snippet, an input, a model or the run goes through
`html.escape`; the summary embedded as JSON escapes ``<`` so it can never end
its ``<script>`` element.

One module per section (`overview`, `languages`, `accuracy`, `inputs`, `iip`,
`gate`, `cost`, `cases`), each a function of the `page.Page` data; `markup` holds the
shared helpers and `assemble` puts the page together and writes it.

The page is built from the JSON report's document (``run``, ``summary``,
``cases``, and ``gate`` when a baseline was compared). Each section appears
only when its data is present, so keys are read defensively:

- every case: ``nodeid``, ``model``, ``strategy``, ``category``, ``verdict``,
  ``expected``, ``predicted``, ``lines``, ``complexity``, ``difficulty``,
  ``truth_status`` (through `aggregate`), ``n_samples``, ``n_correct``;
  shown in the browser when present: ``code``, ``call``, ``input``, ``error``,
  ``samples``, ``conversation``, ``usage`` (``input_tokens``,
  ``output_tokens``, ``reasoning_tokens``, ``cached_tokens``), ``cost``,
  ``latency``, ``calls``, ``cache_hit``, ``template_hash``,
  ``recorded_output``, ``recorded_mismatch``, ``truncated``;
- declared versus generated inputs: ``generated`` (shown when any is true);
- languages: ``language`` (absent means ``python``), ``snippet`` and
  ``input_id`` (the problem it is in every language); the section and the
  filter show when the cases hold more than one language;
- IIP: ``step_accuracy`` (a fraction, null without step scores) and
  ``first_divergent_step`` (1-based, null when no step diverged) per case, with
  ``steps_matched``, ``steps_total``, ``step_problem`` and ``steps`` (``step``,
  ``lines``, ``expected``, ``reported``, ``match``, ``problem``) shown in the
  browser; ``summary.runs[*].step_accuracy`` (pooled over steps) wins over the
  mean of the cases;
- cost and tokens: ``usage`` and ``cost`` (shown when any is non-zero);
- baseline gate: ``gate`` with optional ``passed`` (bool) or ``status``,
  ``message``, ``runs`` (a mapping or list of rows; ``delta`` and
  ``delta_ci95`` as fractions are charted, every scalar field is tabled) and
  ``flips`` (a list of cases).
"""

from __future__ import annotations

from .assemble import HTMLReportError, build, script_json, write

__all__ = ["HTMLReportError", "build", "script_json", "write"]
