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


def not_a_project(paths: Paths, command: str, writes_elsewhere: bool) -> str | None:
    """Why the command will not write into the folder it took as the project, if it will not:
    a folder with neither inputs/ nor schemas/ never gets an outputs/ folder made in it."""
    if is_project(paths.home) or writes_elsewhere:
        return None
    how = "given" if paths.given else "found from the working folder"
    return (f"{paths.home} (the project folder {how}) is not a project folder: it has no inputs/ or schemas/ "
            "folder, so nothing was written there. Run the command in the project folder, or name it with "
            f'--home, e.g. python -m pipeline {command} --home "C:\\CE scorecard".')


def path_too_long(outputs: Path) -> str | None:
    """Why a run must not start writing under `outputs`, if its paths would be too long for Windows."""
    longest = len(str(outputs)) + 1 + LONGEST_BELOW_OUTPUTS
    if longest <= WINDOWS_PATH_LIMIT:
        return None
    return (f"Not run: the outputs folder {outputs} has a path of {len(str(outputs))} characters, and the files a "
            f"run writes inside it would reach {longest}, past the {WINDOWS_PATH_LIMIT} that Windows and Excel "
            "allow. Move the project folder somewhere with a shorter path (e.g. C:\\CE scorecard), or name a "
            "shorter outputs folder with --outputs.")
