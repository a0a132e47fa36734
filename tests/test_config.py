"""The project's configuration: discovery from the checked file upwards, every key, the
errors, `--show-settings`, and the command line's selection on top."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shape_engine.cli import main
from shape_engine.config import (
    DEFAULT_EXCLUDE,
    Config,
    ConfigCache,
    ConfigError,
    find_config_file,
    load_config,
)
from shape_engine.walk import DEFAULT_MAX_FILE_SIZE

# SL514 (off by default) on line 9, SL303 (error) on line 13, SL101 (error) on line 14.
PROGRAM = textwrap.dedent("""\
    import keras
    import numpy as np
    from keras import layers
    x = np.zeros((10, 4))
    y = np.zeros((10, 3))
    model = keras.Sequential([
        keras.Input((4,)),
        layers.Dense(8, activation="relu"),
        layers.Dense(16, activation="relu"),
        layers.Dense(2, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y)
    broken = keras.Sequential([keras.Input((4,)), layers.Conv2D(2, 3)])
    """)
DEFAULT_CODES = ["SL303", "SL101"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def rows(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    status = main(["check", "--format", "json", *argv])
    return status, json.loads(capsys.readouterr().out)


def codes(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    return [str(row["code"]) for row in rows(capsys, *argv)[1]]


# -- discovery -------------------------------------------------------------------------------


def test_the_nearest_configuration_above_the_file_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.shapelens]\nignore = ["SL101"]\n')
    write(tmp_path / "a" / "shapelens.toml", 'ignore = ["SL303"]\n')
    deep = write(tmp_path / "a" / "b" / "c" / "prog.py", PROGRAM)
    top = write(tmp_path / "prog.py", PROGRAM)
    assert find_config_file(deep) == tmp_path / "a" / "shapelens.toml"
    assert find_config_file(top) == tmp_path / "pyproject.toml"
    assert find_config_file(tmp_path / "a" / "b") == tmp_path / "a" / "shapelens.toml"


def test_a_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    write(tmp_path / "shapelens.toml", 'ignore = ["SL101"]\n')
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "pkg"\n')
    prog = write(tmp_path / "pkg" / "prog.py", PROGRAM)
    assert find_config_file(prog) == tmp_path / "shapelens.toml"


def test_in_one_folder_the_dot_file_comes_first_then_shapelens_toml(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.shapelens]\nignore = ["SL101"]\n')
    write(tmp_path / "shapelens.toml", 'ignore = ["SL303"]\n')
    assert find_config_file(tmp_path / "x.py") == tmp_path / "shapelens.toml"
    write(tmp_path / ".shapelens.toml", 'ignore = ["SL201"]\n')
    assert find_config_file(tmp_path / "x.py") == tmp_path / ".shapelens.toml"


def test_each_file_is_checked_with_its_own_configuration(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", '[tool.shapelens]\nignore = ["SL101"]\n')
    write(tmp_path / "sub" / ".shapelens.toml", 'ignore = ["SL303"]\n')
    write(tmp_path / "top.py", PROGRAM)
    write(tmp_path / "sub" / "deeper" / "low.py", PROGRAM)
    status, found = rows(capsys, str(tmp_path))
    assert status == 1
    assert {(Path(str(r["filename"])).name, r["code"]) for r in found} == {
        ("low.py", "SL101"), ("top.py", "SL303")}


def test_no_configuration_means_the_defaults(tmp_path: Path) -> None:
    assert ConfigCache().for_path(write(tmp_path / "p.py", PROGRAM)) == Config()


def test_the_cache_reads_a_changed_file_again(tmp_path: Path) -> None:
    config = write(tmp_path / "shapelens.toml", 'ignore = ["SL101"]\n')
    cache = ConfigCache()
    assert cache.for_path(tmp_path / "p.py").ignore == ("SL101",)
    config.write_text('ignore = ["SL101", "SL303"]\n')  # another size: seen without clear()
    assert cache.for_path(tmp_path / "p.py").ignore == ("SL101", "SL303")


# -- every key -------------------------------------------------------------------------------


@pytest.fixture
def prog(tmp_path: Path) -> Path:
    return write(tmp_path / "prog.py", PROGRAM)


def configure(prog: Path, table: str) -> None:
    write(prog.parent / "pyproject.toml", "[tool.shapelens]\n" + textwrap.dedent(table))


def test_without_configuration(prog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert codes(capsys, str(prog)) == DEFAULT_CODES


@pytest.mark.parametrize(("table", "expected"), [
    ('select = ["SL1"]', ["SL101"]),
    ('select = ["SL101", "SL303"]', ["SL303", "SL101"]),
    ('select = ["ALL"]', DEFAULT_CODES),  # ALL (a prefix) never turns on an opinion
    ('select = ["SL514"]', ["SL514"]),
    ('ignore = ["SL3"]', ["SL101"]),
    ('ignore = ["SL303", "SL101"]', []),
    ('extend-select = ["SL514"]', ["SL514", *DEFAULT_CODES]),
    ('extend-select = ["SL5"]', DEFAULT_CODES),  # a prefix does not turn SL514 on
    ('select = ["SL"]\nignore = ["SL3"]', ["SL101"]),
    ('select = ["SL303"]\nignore = ["SL3"]', ["SL303"]),  # the more specific wins
    ('ignore = ["SL303"]\nextend-select = ["SL3"]', ["SL101"]),  # here too
    ('per-file-ignores = {"prog.py" = ["SL101"]}', ["SL303"]),
    ('per-file-ignores = {"*.py" = ["SL1", "SL3"]}', []),
    ('per-file-ignores = {"other/*.py" = ["SL101"]}', DEFAULT_CODES),
    ('severity = {SL101 = "off"}', ["SL303"]),
    ('severity = {SL514 = "warning"}', ["SL514", *DEFAULT_CODES]),
])
def test_selection_keys(prog: Path, capsys: pytest.CaptureFixture[str], table: str,
                        expected: list[str]) -> None:
    configure(prog, table)
    assert codes(capsys, str(prog)) == expected


def test_severity_changes_the_reported_severity_and_the_exit_status(
        prog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(prog, 'severity = {SL101 = "info", SL303 = "hint", SL514 = "warning"}')
    status, found = rows(capsys, str(prog))
    assert {r["code"]: r["severity"] for r in found} == {
        "SL101": "info", "SL303": "info", "SL514": "warning"}
    assert status == 1  # the warning
    configure(prog, 'severity = {SL101 = "info", SL303 = "information"}')
    assert rows(capsys, str(prog))[0] == 0  # nothing above info is left


def test_per_file_ignores_match_folders_and_globs_relative_to_the_configuration(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", """\
        [tool.shapelens]
        per-file-ignores = {"tests/**/*.py" = ["SL101"], "notebooks" = ["SL303"]}
        """)
    write(tmp_path / "tests" / "a" / "t.py", PROGRAM)
    write(tmp_path / "tests" / "t.py", PROGRAM)
    write(tmp_path / "notebooks" / "n.py", PROGRAM)
    write(tmp_path / "src" / "tests.py", PROGRAM)
    found = rows(capsys, str(tmp_path))[1]
    by_file: dict[str, list[object]] = {}
    for row in found:
        relative = Path(str(row["filename"])).relative_to(tmp_path).as_posix()
        by_file.setdefault(relative, []).append(row["code"])
    assert by_file == {"notebooks/n.py": ["SL101"], "src/tests.py": DEFAULT_CODES,
                       "tests/a/t.py": ["SL303"], "tests/t.py": ["SL303"]}


def test_exclude_and_extend_exclude_when_walking(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for folder in ("generated", "venv", "src", "src/legacy"):
        write(tmp_path / folder / "m.py", PROGRAM)
    write(tmp_path / "old_model.py", PROGRAM)

    def walked() -> set[str]:
        return {Path(str(r["filename"])).relative_to(tmp_path).as_posix()
                for r in rows(capsys, str(tmp_path))[1]}

    assert walked() == {"generated/m.py", "src/m.py", "src/legacy/m.py", "old_model.py"}
    write(tmp_path / "shapelens.toml", 'extend-exclude = ["generated", "src/legacy", '
                                       '"old_*.py"]\n')
    assert walked() == {"src/m.py"}  # venv stays excluded: extend-exclude adds
    write(tmp_path / "shapelens.toml", 'exclude = ["generated"]\n')
    assert walked() == {"venv/m.py", "src/m.py", "src/legacy/m.py", "old_model.py"}


def test_a_file_named_on_the_command_line_is_checked_even_if_excluded(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "shapelens.toml", 'extend-exclude = ["prog.py"]\n')
    prog = write(tmp_path / "prog.py", PROGRAM)
    assert codes(capsys, str(tmp_path)) == []
    assert codes(capsys, str(prog)) == DEFAULT_CODES


def test_keras_version_and_max_file_size_are_read(tmp_path: Path) -> None:
    path = write(tmp_path / "shapelens.toml", 'keras-version = "2"\nmax-file-size = "5MB"\n')
    config = load_config(path)
    assert (config.keras_version, config.max_file_size) == ("2", 5 << 20)
    assert Config().keras_version is None  # not written: Keras 3 unless the editor says
    assert Config().max_file_size == DEFAULT_MAX_FILE_SIZE
    path.write_text("keras-version = 3\nmax-file-size = 1024\n")
    config = load_config(path)
    assert (config.keras_version, config.max_file_size) == ("3", 1024)


@pytest.mark.parametrize(("raw", "size"), [
    (1000, 1000), ("2MB", 2 << 20), ("512KB", 512 << 10), ("1.5 MB", int(1.5 * (1 << 20))),
    (0, None), ("300", 300)])
def test_max_file_size_as_the_command_line_reads_it(tmp_path: Path, raw: object,
                                                    size: int | None) -> None:
    path = write(tmp_path / "shapelens.toml", f"max-file-size = {json.dumps(raw)}\n")
    assert load_config(path).max_file_size == size


def test_the_configurations_size_limit_applies_unless_the_command_line_gives_one(
        prog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(prog, "max-file-size = 100")
    assert codes(capsys, str(prog)) == ["SL004"]
    assert codes(capsys, "--max-file-size", "1MB", str(prog)) == DEFAULT_CODES


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "message"), [
    ('selct = ["SL101"]', "unknown key 'tool.shapelens.selct' (known keys: exclude,"),
    ('select = "SL101"', "'tool.shapelens.select': must be a list of rule codes"),
    ('ignore = ["SL999"]', "'tool.shapelens.ignore': unknown rule code: SL999"),
    ('extend-select = ["XX1", "SL77"]',
     "'tool.shapelens.extend-select': unknown rule codes: XX1, SL77"),
    ('per-file-ignores = ["x"]', "'tool.shapelens.per-file-ignores': must be a table"),
    ('per-file-ignores = {"a.py" = ["SL000"]}',
     "'tool.shapelens.per-file-ignores': 'a.py': unknown rule code: SL000"),
    ("exclude = [1]", "'tool.shapelens.exclude': must be a list of glob patterns"),
    ('extend-exclude = "build"', "'tool.shapelens.extend-exclude': must be a list"),
    ('severity = {SL101 = "loud"}',
     "'tool.shapelens.severity': 'SL101' must be one of 'error', 'warning', 'information', "
     "'hint', 'off', not a string ('loud')"),
    ('severity = {SL1 = "error"}', "'tool.shapelens.severity': 'SL1': unknown rule code: SL1"),
    ('severity = "error"', "'tool.shapelens.severity': must be a table"),
    ('keras-version = "4"', "'tool.shapelens.keras-version': must be \"3\" (the default) or "
                            "\"2\" (tf.keras 2), not a string ('4')"),
    ("max-file-size = -3", "'tool.shapelens.max-file-size': must be a size like"),
    ('max-file-size = "big"', "'tool.shapelens.max-file-size': must be a size like"),
    ("select = [", "not valid TOML"),
    ("shapelens = 1", "unknown key 'tool.shapelens.shapelens'"),
])
def test_errors_are_one_line_naming_the_file_and_the_key(
        prog: Path, capsys: pytest.CaptureFixture[str], table: str, message: str) -> None:
    configure(prog, table)
    assert main(["check", str(prog)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"shapelens: {prog.parent / 'pyproject.toml'}: "), err
    assert message in err, err


def test_a_shapelens_toml_error_names_the_key_without_a_table_prefix(tmp_path: Path) -> None:
    path = write(tmp_path / "shapelens.toml", 'ignore = "SL101"\n')
    with pytest.raises(ConfigError, match=r"shapelens.toml: 'ignore': must be a list"):
        load_config(path)


def test_a_tool_shapelens_that_is_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool]\nshapelens = "yes"\n')
    with pytest.raises(ConfigError, match=r"pyproject.toml: tool.shapelens must be a table"):
        load_config(path)


def test_an_error_reaches_the_real_command_line_as_one_line(prog: Path) -> None:
    configure(prog, "exclude = 3")
    done = subprocess.run([sys.executable, "-m", "shape_engine", "check", str(prog)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "'tool.shapelens.exclude': must be a list of glob patterns" in done.stderr


# -- the command line ------------------------------------------------------------------------


def test_command_line_selection_goes_on_top_of_the_configuration(
        prog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(prog, 'ignore = ["SL101"]\nextend-select = ["SL514"]')
    assert codes(capsys, str(prog)) == ["SL514", "SL303"]
    assert codes(capsys, "--select", "SL1", str(prog)) == ["SL101"]  # select replaces
    assert codes(capsys, "--ignore", "SL303", str(prog)) == ["SL514"]
    assert codes(capsys, "--extend-select", "SL101", str(prog)) == ["SL514", *DEFAULT_CODES]
    assert codes(capsys, "--select", "SL303,SL101", "--ignore", "SL101", str(prog)) == ["SL303"]


def test_command_line_codes_are_checked(prog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--ignore", "SL1O1", str(prog)]) == 2
    assert "--select/--ignore/--extend-select: unknown rule code: SL1O1" in capsys.readouterr().err


def test_exit_zero(prog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--output-format", "concise", str(prog)]) == 1
    assert main(["check", "--output-format", "concise", "--exit-zero", str(prog)]) == 0
    out = capsys.readouterr().out
    assert out.count(" SL101 ") == 2  # the findings are still reported
    assert main(["check", "--exit-zero", str(prog.parent / "missing.py")]) == 2


def test_fix_follows_the_selection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An ignored rule's fix is not applied (SL303 has one here: 3 output units)."""
    prog = write(tmp_path / "prog.py", PROGRAM)
    write(tmp_path / "shapelens.toml", 'ignore = ["SL303"]\n')
    main(["check", "--fix", "--unsafe-fixes", str(prog)])
    assert prog.read_text() == PROGRAM
    (tmp_path / "shapelens.toml").unlink()
    main(["check", "--fix", "--unsafe-fixes", str(prog)])
    capsys.readouterr()
    assert 'layers.Dense(3, activation="softmax")' in prog.read_text()


def test_show_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pyproject.toml", """\
        [tool.shapelens]
        select = ["SL1", "SL2"]
        ignore = ["SL201"]
        per-file-ignores = {"gen/*" = ["SL101"]}
        severity = {SL202 = "warning"}
        keras-version = "2"
        """)
    target = write(tmp_path / "gen" / "x.py", "")
    assert main(["check", "--show-settings", str(target), "--extend-select", "SL303"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Settings for {target}"
    assert f"configuration file: {tmp_path / 'pyproject.toml'}" in out
    assert 'select = ["SL1", "SL2"]' in out
    assert 'per-file-ignores = {"gen/*" = ["SL101"]}' in out
    assert 'severity = {SL202 = "warning"}' in out
    assert 'keras-version = "2"' in out
    assert "exclude = [" + ", ".join(f'"{p}"' for p in DEFAULT_EXCLUDE) + "]" in out
    reported = out[-1]
    assert reported.startswith("rules reported (")
    listed = reported.split(": ", 1)[1].split(", ")
    assert "SL101" not in listed and "SL201" not in listed  # per-file and plain ignores
    assert {"SL102", "SL202", "SL303"} <= set(listed)
    assert not any(code.startswith("SL5") for code in listed)


def test_show_settings_without_configuration(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--show-settings", str(tmp_path / "any.py")]) == 0
    out = capsys.readouterr().out
    assert "configuration file: (none: the defaults)" in out
    assert "select = (the rules enabled by default)" in out


def test_the_readmes_example_is_a_valid_configuration(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    section = readme[readme.index("## Configuration"):]
    example = section[section.index("```toml\n") + 8:section.index("```\n", 10)]
    config = load_config(write(tmp_path / "pyproject.toml", example))
    assert config.extend_select == ("SL514",)
    assert config.severity == {"SL401": "error", "SL502": "off", "SL511": "warning"}
    assert config.max_file_size == 4 << 20


def test_stdin_is_checked_with_the_configuration_of_the_file_it_stands_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "proj" / "shapelens.toml", 'ignore = ["SL303"]\n')
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(PROGRAM.encode())))
    found = rows(capsys, "-", "--stdin-filename", str(tmp_path / "proj" / "train.py"))[1]
    assert [r["code"] for r in found] == ["SL101"]
    assert main(["check", "-", "--add-noqa"]) == 2
    assert "--add-noqa changes files: it does not read stdin" in capsys.readouterr().err
