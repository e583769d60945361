"""Default logging: hornbeam's records get a handler when nothing is configured, and nothing else changes."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from hornbeam import App, Request
from hornbeam.logs import configure_default_logging
from hornbeam.testing import TestClient

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<name>hornbeam[\w.]*): (?P<message>.*)$")


@contextmanager
def unconfigured() -> Iterator[io.StringIO]:
    """Logging as a server leaves it (no root handler; pytest's own set aside), stderr captured.

    A context manager, not a fixture: pytest adds its capture handlers to the root
    logger after fixtures are set up.
    """
    root = logging.getLogger()
    hornbeam = logging.getLogger("hornbeam")
    tasks = logging.getLogger("hornbeam.tasks")
    saved = (root.handlers[:], hornbeam.handlers[:], hornbeam.level, tasks.handlers[:], sys.stderr)
    root.handlers.clear()
    hornbeam.handlers.clear()
    hornbeam.setLevel(logging.NOTSET)
    stderr = sys.stderr = io.StringIO()
    try:
        yield stderr
    finally:
        root.handlers[:], hornbeam.handlers[:], tasks.handlers[:] = saved[0], saved[1], saved[3]
        hornbeam.setLevel(saved[2])
        sys.stderr = saved[4]


def lines(stream: io.StringIO) -> list[dict[str, str]]:
    found = []
    for line in stream.getvalue().splitlines():
        match = LINE.match(line)
        assert match is not None, line
        found.append(match.groupdict())
    return found


def test_unconfigured_logging_gets_info_with_time_level_and_name() -> None:
    with unconfigured() as stderr:
        configure_default_logging()
        configure_default_logging()  # once is enough
        logging.getLogger("hornbeam").info("one")
        logging.getLogger("hornbeam.tasks").warning("two")
        logging.getLogger("hornbeam").debug("not shown")
        assert [(r["level"], r["name"], r["message"]) for r in lines(stderr)[1:]] == [
            ("INFO", "hornbeam", "one"),
            ("WARNING", "hornbeam.tasks", "two"),
        ]
        assert "configure logging" in lines(stderr)[0]["message"]


@pytest.mark.parametrize("where", ["root", "hornbeam"])
def test_configured_logging_is_left_alone(where: str) -> None:
    with unconfigured() as stderr:
        own = logging.StreamHandler(io.StringIO())
        logging.getLogger("" if where == "root" else "hornbeam").addHandler(own)
        configure_default_logging()
        assert logging.getLogger("hornbeam").handlers == ([own] if where == "hornbeam" else [])
        assert logging.getLogger("hornbeam").level == logging.NOTSET
        assert stderr.getvalue() == ""


def test_a_level_set_on_hornbeam_is_kept() -> None:
    with unconfigured() as stderr:
        logging.getLogger("hornbeam").setLevel(logging.ERROR)
        configure_default_logging()
        logging.getLogger("hornbeam").warning("not shown")
        logging.getLogger("hornbeam").error("shown")
        assert [r["message"] for r in lines(stderr)] == ["shown"]


def test_handlers_added_later_take_over_without_duplicates() -> None:
    with unconfigured() as stderr:
        configure_default_logging()
        stderr.truncate(0)
        stderr.seek(0)
        tasks_stream, root_stream = io.StringIO(), io.StringIO()
        logging.getLogger("hornbeam.tasks").addHandler(logging.StreamHandler(tasks_stream))
        logging.getLogger("hornbeam.tasks").warning("to the tasks handler")
        logging.getLogger("hornbeam").warning("still ours")
        logging.getLogger().addHandler(logging.StreamHandler(root_stream))
        logging.getLogger("hornbeam").warning("now the root's")
        assert [r["message"] for r in lines(stderr)] == ["still ours"]
        assert tasks_stream.getvalue() == "to the tasks handler\n"
        assert root_stream.getvalue() == "now the root's\n"


def test_the_first_request_without_lifespan_configures_it() -> None:
    with unconfigured() as stderr:
        app = App()

        @app.get("/crash")
        async def crash(request: Request[Any, Any]) -> str:
            raise RuntimeError("boom")

        assert TestClient(app).get("/crash").status_code == 500  # no `with`: no lifespan
        records = lines_with_tracebacks(stderr)
        assert any(re.match(r"ERROR hornbeam: unhandled error in (?:<Request )?GET /crash\b", r) for r in records), records


def test_lifespan_start_up_configures_it() -> None:
    with unconfigured() as stderr:
        with TestClient(App()):
            pass
        assert lines(stderr)[0]["level"] == "INFO"


def lines_with_tracebacks(stream: io.StringIO) -> list[str]:
    """Each record's level, name and message, the traceback lines that follow it left out."""
    return [f"{m['level']} {m['name']}: {m['message']}" for m in map(LINE.match, stream.getvalue().splitlines()) if m]


def test_records_that_stop_at_hornbeam_are_still_written() -> None:
    # With propagation off, a root handler added later never sees hornbeam's records: ours writes them.
    hornbeam = logging.getLogger("hornbeam")
    with unconfigured() as stderr:
        configure_default_logging()
        hornbeam.propagate = False
        try:
            logging.getLogger().addHandler(logging.StreamHandler(io.StringIO()))
            hornbeam.warning("kept")
        finally:
            hornbeam.propagate = True
        assert [r["message"] for r in lines(stderr)][-1] == "kept"
