"""Where the project folder, its inputs, outputs and editable schemas are.

A scheduled task may start in C:\\Windows\\System32, so nothing here trusts the working
directory alone: the project folder is given (--home or CE_SCORECARD_HOME), or found by
walking up from the working directory, or is the checkout this package runs from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_VARIABLE = "CE_SCORECARD_HOME"
_CHECKOUT = Path(__file__).resolve().parents[1]
# Every file a run writes is at most this many characters below the outputs folder (the Data Docs,
# the archive and the workbook names are laid out for it); a run whose outputs folder would take a
# path past WINDOWS_PATH_LIMIT says so before it writes (Windows and Excel stop at 260).
LONGEST_BELOW_OUTPUTS = 120
WINDOWS_PATH_LIMIT = 250


def default_schemas() -> Path:
    """The schemas shipped with the package (installed copy, or the checkout's own folder)."""
    installed = Path(__file__).resolve().with_name("defaults")
    return installed if installed.is_dir() else _CHECKOUT / "schemas"


def is_project(folder: Path) -> bool:
    return (folder / "schemas" / "sources.yaml").is_file() or (folder / "inputs").is_dir()


def find_home(start: Path | None = None) -> Path:
    given = os.environ.get(HOME_VARIABLE)
    if given:
        return Path(given).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if is_project(folder):
            return folder
    if is_project(_CHECKOUT):
        return _CHECKOUT
    return here


@dataclass(frozen=True)
class Paths:
    home: Path
    inputs: Path
    outputs: Path
    given: bool = True  # named by --home or CE_SCORECARD_HOME, not found from the working folder

    @classmethod
    def resolve(cls, home: Path | None = None, inputs: Path | None = None, outputs: Path | None = None) -> Paths:
        root = home.resolve() if home else find_home()
        given = home is not None or bool(os.environ.get(HOME_VARIABLE))
        return cls(root, (inputs or root / "inputs").resolve(), (outputs or root / "outputs").resolve(), given)

    def schema(self, name: str) -> Path:
        """The officer's edited copy in <home>/schemas if there is one, else the shipped default."""
        local = self.home / "schemas" / name
        return local if local.is_file() else default_schemas() / name
