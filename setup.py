"""Build hook: the wheel carries the folders the app reads at run time, inside the package.

Metadata is in pyproject.toml; this only copies templates/, static/, content/, migrations/ and
alembic.ini into ``app/_data/`` of the build, where ``app/paths.py`` finds them when installed.
The repository keeps its layout.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_FOLDERS = ("templates", "static", "content", "migrations")
DATA_FILES = ("alembic.ini",)
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the checkout itself
            return
        target = Path(self.build_lib) / "app" / "_data"
        for folder in DATA_FOLDERS:
            shutil.copytree(folder, target / folder, ignore=IGNORED, dirs_exist_ok=True)
        for name in DATA_FILES:
            shutil.copy2(name, target / name)


setup(cmdclass={"build_py": BuildWithData})
