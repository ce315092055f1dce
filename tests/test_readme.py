"""The README stays true: its questions give the output it shows, its glossary is the graph's, and
its set-up command is the one CI runs."""

import re
import shlex

import pytest

from evkg.cli import main
from evkg.glossary import glossary_markdown
from evkg.querying import names_for

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
QUESTIONS = README[README.index("## Questions people ask"):README.index("\n## ", README.index("## Questions people ask") + 5)]
BLOCKS = re.findall(r"```console\n\$ (evkg [^\n]+)\n(.*?)```", QUESTIONS, re.S)


def test_the_readme_asks_at_least_twelve_questions():
    assert len(re.findall(r"^### ", QUESTIONS, re.M)) >= 12 and len(BLOCKS) >= 12


@pytest.mark.parametrize("command, shown", BLOCKS, ids=[c for c, _ in BLOCKS])
def test_each_question_gives_the_output_shown(project, capsys, monkeypatch, command, shown):
    monkeypatch.setenv("COLUMNS", "100")  # the width the README's outputs were taken at
    assert main(["--root", str(project.root), *shlex.split(command)[1:]]) == 0
    out = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    lines = [line.rstrip() for line in shown.splitlines() if line.strip() != "..."]
    missing = [line for line in lines if line not in out]
    assert not missing, f"{command}: the README shows lines the command no longer prints: {missing[:3]}"


def test_the_glossary_is_the_graph_s(store):
    block = README[README.index("<!-- glossary:start -->\n") + 24:README.index("<!-- glossary:end -->")]
    assert block == glossary_markdown(names_for(store)), "regenerate with: evkg explain --markdown"


def test_ci_runs_the_readme_s_two_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    setup = re.search(r"```sh\n# 1\..*?\n(python3 .*?)\n\n# 2\. run the tests\n(\S.*?)\n```", README, re.S)
    assert setup, "the set-up section has its two commands"
    for command in setup.groups():
        assert command in ci


def test_the_python_example_runs_as_written(project, monkeypatch, capsys):
    """The README's 'From Python' block, run in a built project: it opens the graph without rebuilding it."""
    block = re.search(r"## From Python.*?```python\n(.*?)```", README, re.S).group(1)
    monkeypatch.chdir(project.root)
    stamp = {p: p.stat().st_mtime_ns for p in project.dist.rglob("*") if p.is_file()}
    ns: dict = {}
    exec(compile(block, "README.md (From Python)", "exec"), ns)
    assert "regenerative-medical product" in capsys.readouterr().out  # Japan: Table 2 and §4 [91]
    records = ns["answer"].records()
    assert any(r["class"].startswith("regenerative-medical product") and "§4 [91]" in r["sources"] for r in records)
    assert str(ns["kg"].resolve("US IND")) == "https://w3id.org/evkg/resource/pathway/US-IND"
    assert {p: p.stat().st_mtime_ns for p in project.dist.rglob("*") if p.is_file()} == stamp
