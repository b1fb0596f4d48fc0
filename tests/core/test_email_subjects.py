"""No text chosen by a sender in any e-mail subject (issue 24): an MSP named "Votre compte sera suspendu -
connectez-vous sur http://evil.example/login" put that sentence, from our address, in the subject of every
invitation it sent.

Two walks, so that an e-mail added tomorrow is covered: every e-mail template's subject (the first line of its
`.txt`, backend/mail/rendering.py) interpolates only values that are ours (a slot's date `when`, a `count`, a
request's `number`); and every subject handed to the outbox in code (`queue_email`), or assigned to a variable
named `subject`, is a fixed text, or an f-string whose values are ours (a date from `_when`, a count from
`len`, an id from `.pk`)."""

import ast
import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SENDERS = {"queue_email", "email_practitioner"}  # every e-mail goes through the outbox's queue_email
OUR_TEMPLATE_VALUES = {
    "when",
    "count",
    "number",
}  # computed by the notifications modules, never typed by a user


def email_templates() -> list[Path]:
    return sorted(p for p in PROJECT.glob("*/**/templates/email/*/*.txt") if ".venv" not in p.parts)


def _template_subject_values(text: str) -> set[str]:
    subject = re.search(r"\{% block subject %\}(.*?)\{% endblock %\}", text, re.S).group(1)
    return {match.split("|")[0].strip().split(".")[0] for match in re.findall(r"\{\{(.*?)\}\}", subject)}


def test_no_e_mail_template_subject_carries_text_a_sender_chose():
    templates = email_templates()
    assert len(templates) >= 29
    offenders = {
        str(path.relative_to(PROJECT)): sorted(values - OUR_TEMPLATE_VALUES)
        for path in templates
        if (values := _template_subject_values(path.read_text())) - OUR_TEMPLATE_VALUES
    }
    assert offenders == {}


def test_the_template_walk_finds_what_it_looks_for():
    text = "{% block subject %}Invitation à {{ msp_name|upper }} le {{ when }}{% endblock %}{% block content %}{{ x }}"
    assert _template_subject_values(text) - OUR_TEMPLATE_VALUES == {"msp_name"}


OURS = ("_when(", "len(", ".pk", "_period(", "timezone.localtime(")


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _subjects(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in SENDERS:
            keyword = next((k.value for k in node.keywords if k.arg == "subject"), None)
            if keyword is not None:
                yield keyword
            elif len(node.args) >= 2:
                yield node.args[1]
        elif (
            isinstance(node, ast.Assign)
            and any(getattr(t, "id", "") == "subject" for t in node.targets)
            and isinstance(node.value, ast.JoinedStr | ast.Constant)
        ):
            yield node.value  # a subject built before the call that sends it


def _sender_text(node, source: str) -> list[str]:
    """The interpolated expressions of a subject that are not ours."""
    if ast.get_source_segment(source, node) == "rendered.subject":
        return []  # a template's subject (backend/mail/rendering.py), checked by the template walk above
    values = [n for n in ast.walk(node) if isinstance(n, ast.FormattedValue)]
    found = []
    for value in values:
        text = ast.get_source_segment(source, value.value) or ""
        constant_choice = isinstance(value.value, ast.IfExp) and all(
            isinstance(branch, ast.Constant) for branch in (value.value.body, value.value.orelse)
        )
        if not constant_choice and not any(mark in text for mark in OURS):
            found.append(text)
    if isinstance(node, ast.BinOp | ast.Call | ast.Attribute | ast.Subscript):
        found.append(ast.get_source_segment(source, node) or "?")
    return found  # a plain name (`subject`) is checked where it is assigned


def test_no_e_mail_subject_carries_text_a_sender_chose():
    offenders = []
    for path in PROJECT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        source = path.read_text()
        if not any(sender in source for sender in SENDERS):
            continue
        for subject in _subjects(ast.parse(source)):
            for text in _sender_text(subject, source):
                offenders.append(f"{path.relative_to(PROJECT)}:{subject.lineno}: {text}")
    assert offenders == []


def test_the_walk_finds_what_it_looks_for(tmp_path):
    source = 'queue_email(to, f"Invitation à rejoindre {msp.name}", body, kind="x")\nsubject = f"Rappel le {_when(s)}"'
    tree = ast.parse(source)
    found = [text for subject in _subjects(tree) for text in _sender_text(subject, source)]
    assert found == ["msp.name"]
