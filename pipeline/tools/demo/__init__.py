"""A complete, clearly fictional set of agency returns, for demonstrations and tests.

`write_demo_inputs(folder)` writes the files a performance officer would find in the
inputs folder at the end of Q2 2025/26: one workbook (or CSV) per agency, shaped the way
each agency really sends it (title rows above police extracts, a cp1252 CSV from children's
social care, an Ofsted Annex A export from Early Help, upper-case headings on a hand-made
partnership sheet). Every value passes the input contract (schemas/sources.yaml), whose
headings are used so that the demo cannot drift from what the pipeline reads.

Nothing here is real: children are references such as CE104233, workers and family members
are first names from a fixed list, and work plan leads are roles. The data covers the eight
quarters Q3 2023/24 to Q2 2025/26 (1 Oct 2023 to 30 Sep 2025).

The output is deterministic: every table draws from its own random stream (a fixed seed plus
the table's name), and workbooks carry a fixed creation date, so every run writes the same
bytes.

One module per agency builds its tables (police, evolve, social_care, early_help, annex_a,
partnership, workplan, commentary) from the shared period and random streams (shared);
tables assembles them and files writes them. The text they use (names, quotes, headings,
services, the work plan and commentary) is in data/*.yaml, read and checked by loading.
"""

from pipeline.tools.demo.files import write_demo_inputs
from pipeline.tools.demo.shared import SEED
from pipeline.tools.demo.tables import demo_tables

__all__ = ["SEED", "demo_tables", "write_demo_inputs"]
