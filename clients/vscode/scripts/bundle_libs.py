"""Installs the Shapelens wheel and its pure-Python dependencies into bundled/libs.

The extension runs the server from there with any Python >= 3.10 (`shapelens.importStrategy`
`useBundled`), as Microsoft's Python tool extensions do, so the user installs nothing.

Usage: python bundle_libs.py WHEEL TARGET

pip only takes pure-Python wheels (`--platform any --abi none --implementation py`), so the
folder works on every operating system and every CPython >= 3.10. pip evaluates dependency
markers for the Python that runs it, not for `--python-version`: a backport that only older
Pythons need (`exceptiongroup; python_version < '3.11'`, `tomli`) would be missing when this
runs on a newer Python. So the requirements of what was installed are read again, their markers
evaluated for every supported Python, and whatever some supported Python needs is added.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from email.parser import Parser
from pathlib import Path

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pip vendors packaging
    from pip._vendor.packaging.markers import default_environment  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import canonicalize_name  # type: ignore[no-redef]

MIN_PYTHON = (3, 10)
# The newest minor version whose markers are evaluated; newer ones need no backports.
MAX_MINOR = 14
# Type stubs of third-party packages that jedi ships (4,000 of its 5,000 files): Shapelens asks
# jedi only where the user's own names lead, never into third-party packages, and jedi skips a
# missing stubs folder. Without them the .vsix packs in a fraction of the time.
PRUNED = ["jedi/third_party/typeshed/stubs"]
PURE = ["--only-binary=:all:", "--platform", "any", "--abi", "none", "--implementation", "py",
        "--python-version", "{}.{}".format(*MIN_PYTHON)]


def pip_install(target: Path, requirements: list[str], deps: bool = True) -> None:
    command = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
               "--no-compile", "--target", str(target), *PURE, *requirements]
    if not deps:  # the loop in main() adds them, with their markers evaluated as above
        command.append("--no-deps")
    subprocess.run(command, check=True)


def installed(target: Path) -> dict[str, list[str]]:
    """The distributions in `target` by canonical name, with their Requires-Dist."""
    found = {}
    for info in target.glob("*.dist-info"):
        metadata = Parser().parsestr((info / "METADATA").read_text(encoding="utf-8"))
        found[canonicalize_name(metadata["Name"])] = metadata.get_all("Requires-Dist") or []
    return found


def needed_somewhere(requirement: Requirement) -> bool:
    """Whether some supported Python needs it (extras are not installed)."""
    if requirement.marker is None:
        return True
    for minor in range(MIN_PYTHON[1], MAX_MINOR + 1):
        environment = {**default_environment(), "python_version": f"3.{minor}",
                       "python_full_version": f"3.{minor}.0", "extra": ""}
        if requirement.marker.evaluate(environment):
            return True
    return False


def missing(target: Path) -> list[str]:
    present = installed(target)
    wanted = {}
    for requirements in present.values():
        for line in requirements:
            requirement = Requirement(line)
            name = canonicalize_name(requirement.name)
            if name not in present and needed_somewhere(requirement):
                requirement.marker = None
                wanted[name] = str(requirement)
    return sorted(wanted.values())


def check_pure(target: Path) -> None:
    binaries = [p for p in target.rglob("*") if p.suffix in {".so", ".pyd", ".dylib", ".dll"}]
    if binaries:
        sys.exit(f"bundle_libs: binary files in {target}: {binaries}")


def main(wheel: str, target_name: str) -> None:
    target = Path(target_name)
    shutil.rmtree(target, ignore_errors=True)
    pip_install(target, [wheel])
    for _ in range(5):
        extra = missing(target)
        if not extra:
            break
        pip_install(target, extra, deps=False)
    else:
        sys.exit(f"bundle_libs: requirements still missing: {missing(target)}")
    # Console scripts name the Python that built them; the extension never runs them.
    shutil.rmtree(target / "bin", ignore_errors=True)
    for folder in PRUNED:
        shutil.rmtree(target / folder)
    for cache in list(target.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    check_pure(target)
    print(f"bundle_libs: {', '.join(sorted(installed(target)))} in {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
