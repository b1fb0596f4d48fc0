"""The live topics' registry holds together: every topic a domain declares is listened to by a subscription
and published by a service, through the declaration (no topic nobody hears, no event sent by name)."""

import ast
import importlib
from pathlib import Path

from backend.realtime.live import Listen, Topic, WatchObject
from backend.schema import Subscription

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_EVENTS = ["network.events", "mentoring.events", "mentoring.accelerator.events", "observatory.events"]
DOMAINS = ["network", "mentoring", "observatory"]


def declared_topics():
    topics = {}
    for module_name in DOMAIN_EVENTS:
        module = importlib.import_module(module_name)
        for attribute, value in vars(module).items():
            if isinstance(value, Topic):
                topics[value.name] = (module_name, attribute, value)
    return topics


def listened_topics():
    names = set()
    for field in Subscription._meta.fields.values():
        live = getattr(field, "live", None)
        assert isinstance(live, (WatchObject, Listen)), f"{field}: a subscription without a live declaration"
        names |= {live.topic.name} if isinstance(live, WatchObject) else set(live.topics)
    return names


def test_every_declared_topic_is_listened_to_and_every_listened_topic_is_declared():
    declared = declared_topics()
    assert len(declared) >= 9
    listened = listened_topics()
    assert set(declared) - listened == set(), "topics nobody listens to"
    assert listened - set(declared) == set(), "subscriptions listening to undeclared topics"


def test_every_declared_topic_is_published_by_a_domain_module():
    """`<events module alias>.<TOPIC>.publish(` somewhere in the domains' code (services, not tests)."""
    published = set()
    for path in [path for domain in DOMAINS for path in ROOT.glob(f"{domain}/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "publish"
            ):
                target = node.func.value
                if isinstance(target, ast.Attribute):
                    published.add(target.attr)
    unpublished = [f"{module}.{attribute}" for module, attribute, _ in declared_topics().values()
                   if attribute not in published]  # fmt: skip
    assert not unpublished, f"declared but never published: {unpublished}"


def test_no_domain_module_publishes_by_name():
    """Events go through a declared topic: `backend.realtime.events.publish("…")` is for live.py only."""
    offenders = []
    for path in [path for domain in DOMAINS for path in ROOT.glob(f"{domain}/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "backend.realtime.events":
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders
