"""`--output-format junit`: JUnit XML, one test suite per file and one failing test case
per finding (a file without findings is one passing case), as CI test reports read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO
from xml.etree import ElementTree

from shape_engine.presenters.concise import cell_prefix
from shape_engine.presenters.report import FileResult


def present(results: Sequence[FileResult], out: TextIO) -> None:
    total = sum(max(len(result.findings), 1) for result in results)
    failures = sum(len(result.findings) for result in results)
    suites = ElementTree.Element("testsuites", name="shapelens", tests=str(total),
                                 failures=str(failures), errors="0")
    for result in results:
        suite = ElementTree.SubElement(
            suites, "testsuite", name=result.filename,
            tests=str(max(len(result.findings), 1)), failures=str(len(result.findings)),
            errors="0", skipped="0")
        if not result.findings:
            ElementTree.SubElement(suite, "testcase", name="No shape problems",
                                   classname=result.filename)
        for placed in result.findings:
            finding = placed.finding
            start = finding.range.start
            place = f"{cell_prefix(placed.cell)}{start.line + 1}:{start.character + 1}"
            case = ElementTree.SubElement(suite, "testcase", name=f"{finding.code} at {place}",
                                          classname=result.filename, line=str(start.line + 1))
            failure = ElementTree.SubElement(case, "failure", message=finding.message,
                                             type=finding.code)
            failure.text = (f"{result.filename}:{place}: {finding.code} "
                            f"({finding.severity.value}) {finding.message}")
    ElementTree.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ElementTree.tostring(suites, encoding="unicode") + "\n")
