"""Long reads show progress on a terminal, and nothing in a pipe or under CI."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from trainshare.cli.progress import progress, shows_progress


def console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=100), buffer


def test_a_terminal_shows_the_label_and_the_steps(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    term, buffer = console(terminal=True)
    assert shows_progress(term)
    with progress("reading the organization", term) as step:
        step("organization: 4 OUs, 5 accounts")
    shown = buffer.getvalue()
    assert "reading the organization… organization: 4 OUs, 5 accounts" in shown
    assert "(1 read, 0 s)" in shown


@pytest.mark.parametrize("ci", ["true", "1", "TRUE"])
def test_ci_is_quiet_even_on_a_terminal(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    term, buffer = console(terminal=True)
    assert not shows_progress(term)
    with progress("reading the organization", term) as step:
        step("organization: 4 OUs, 5 accounts")
    assert buffer.getvalue() == ""


def test_a_pipe_is_quiet(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    pipe, buffer = console(terminal=False)
    with progress("reading the organization", pipe) as step:
        step("shares of 222222222222 in us-east-1: 3")
    assert buffer.getvalue() == ""
