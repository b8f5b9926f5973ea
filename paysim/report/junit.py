"""CI gates as JUnit XML: one test case per assertion, so CI systems list each one.

A failed assertion is a ``<failure>``, an undecided one ``<skipped>`` (the command's exit code
4 still fails the build). The file is written through a temporary sibling and a rename, and
an existing path is replaced only if it is a JUnit file paysim wrote: never a directory or a
file of the user's.
"""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from paysim.errors import ScenarioError
from paysim.report.gates_text import assertion_text, estimate_text

#: The ``generator`` property that marks a file as paysim's own.
GENERATOR = "paysim"


def junit_xml(
    gates: Mapping[str, Any],
    experiment: str,
    currency: str,
    elapsed_s: float = 0.0,
    version: str = "",
) -> bytes:
    """The JUnit XML document of a ``gates`` section (``summary.json["gates"]``)."""
    records = gates["assertions"]
    counts = {
        "tests": str(len(records)),
        "failures": str(sum(r["status"] == "fail" for r in records)),
        "errors": "0",
        "skipped": str(sum(r["status"] == "undecided" for r in records)),
        "time": f"{elapsed_s:.3f}",
    }
    root = ET.Element("testsuites", {"name": f"paysim check {experiment}", **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": experiment,
            **counts,
            "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "hostname": socket.gethostname(),
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("generator", f"{GENERATOR} {version}".strip()),
        ("status", gates["status"]),
        ("replications", gates["replications"]),
        ("looks", " ".join(str(n) for n in gates["looks"])),
        ("confidence", gates["confidence_is"]),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": str(value)})
    for record in records:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": f"paysim.{experiment}", "name": record["name"], "time": "0"},
        )
        message = f"{assertion_text(record, currency)}: {estimate_text(record, currency)}"
        detail = f"{message}, n={record['n']}; {record['reason']}"
        if record["status"] == "fail":
            failure = ET.SubElement(case, "failure", {"message": message, "type": "GateFailed"})
            failure.text = detail
        elif record["status"] == "undecided":
            ET.SubElement(case, "skipped", {"message": f"undecided: {detail}"})
        else:
            ET.SubElement(case, "system-out").text = detail
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def is_paysim_junit(path: Path) -> bool:
    """Whether ``path`` is a JUnit file written by paysim (which may be replaced)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return False
    generators = [
        p.get("value", "")
        for p in root.iterfind("./testsuite/properties/property")
        if p.get("name") == "generator"
    ]
    return root.tag == "testsuites" and any(g.split(" ")[0] == GENERATOR for g in generators)


def check_junit_path(path: Path) -> None:
    """Refuse a ``--junit`` path that is a directory, inside a file, or a foreign file."""
    if path.is_dir():
        raise ScenarioError.at("--junit", "is a directory; give a file path", str(path))
    if path.exists() and not is_paysim_junit(path):
        raise ScenarioError.at(
            "--junit",
            "exists and is not a JUnit file written by paysim; remove it or choose another path",
            str(path),
        )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ScenarioError.at("--junit", "is inside a file, not a directory", str(path))
            break


def write_junit(path: Path, document: bytes) -> None:
    """Write the document atomically (a temporary sibling, then a rename)."""
    from paysim.experiment.store import write_atomic

    check_junit_path(path)
    try:
        write_atomic(path, document)
    except OSError as exc:
        raise ScenarioError.at(
            "--junit", f"cannot write there ({exc.strerror or exc})", str(path)
        ) from None
