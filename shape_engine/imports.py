"""Finding the user's own modules on disk, to read their constants and model builders.

Only reads source text: nothing is imported or executed.
"""

from __future__ import annotations

from pathlib import Path

from shape_engine.evaluation.scope import ModuleResolver
from shape_engine.walk import Target, TooLarge, read

MAX_MODULE_BYTES = 2_000_000


def filesystem_resolver(importer: Path, root: Path | None = None) -> ModuleResolver:
    """Resolves imports against the importing file's folder (and `root`, when given)."""
    bases = [importer.resolve().parent]
    if root is not None:
        bases.append(root.resolve())

    def resolve(module: str, level: int, from_path: str | None) -> tuple[str, str] | None:
        start = Path(from_path).resolve().parent if from_path else bases[0]
        if level > 0:
            for _ in range(level - 1):
                start = start.parent
            candidates_bases = [start]
        else:
            candidates_bases = [start, *bases]
        parts = module.split(".") if module else []
        for base in candidates_bases:
            for candidate in _candidates(base, parts):
                if candidate.is_file():
                    try:  # a regular file only, without blocking, up to the size limit
                        data = read(Target(candidate, named=False), MAX_MODULE_BYTES)
                    except OSError:
                        continue
                    if isinstance(data, TooLarge):
                        continue
                    return str(candidate), data.decode("utf-8", errors="replace")
        return None

    return resolve


def _candidates(base: Path, parts: list[str]) -> list[Path]:
    if not parts:
        return [base / "__init__.py"]
    folder = base.joinpath(*parts)
    return [folder.with_suffix(".py"), folder / "__init__.py"]
