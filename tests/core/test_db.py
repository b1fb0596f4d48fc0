"""conflicts_raise: constraint violations and PostgreSQL's deadlock between conflicting writers both become
the domain's error, and the surrounding transaction stays usable."""

import threading
import warnings

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from backend.core.db import conflicts_raise
from network.models import Region


def refused():
    return ValidationError("Conflit.", code="CONFLICT")


@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_becomes_the_domain_error(territories):
    first, second = Region.objects.order_by("code")[:2]
    both_locked = threading.Barrier(2)
    outcomes = {}

    def worker(name, mine, theirs):
        try:
            with transaction.atomic():
                Region.objects.select_for_update().get(pk=mine.pk)
                both_locked.wait()
                with conflicts_raise(refused):
                    Region.objects.select_for_update().get(pk=theirs.pk)  # each waits for the other
                outcomes[name] = "done"
        except ValidationError as exc:
            outcomes[name] = exc.code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=worker, args=("a", first, second)),
        threading.Thread(target=worker, args=("b", second, first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes.values()) == ["CONFLICT", "done"]  # PostgreSQL aborted one, the other went on


@pytest.mark.django_db
def test_an_integrity_error_becomes_the_domain_error_and_the_transaction_goes_on():
    region = Region.objects.first()
    with pytest.raises(ValidationError), conflicts_raise(refused):
        Region.objects.create(code=region.code, name="Doublon")
    assert Region.objects.filter(code=region.code).count() == 1  # still usable after the savepoint


def test_quickly_loaded_instances_behave_as_django_builds_them(territories):
    """`QuickLoad.from_db` leaves the state `Model.__init__` would: values, deferred columns loaded on
    access, foreign keys and their cache, saving as an update; with an init signal listened to, Django's
    own path is taken."""
    from django.db.models.signals import post_init

    from network.models import Membership, Msp, Practitioner
    from tests.factories import make_coordinator, make_msp

    msp = make_msp("MSP du chargement (test)", commune="51504", team=(("10", 2),))
    make_coordinator(msp)
    loaded = Practitioner.objects.filter(memberships__msp=msp).order_by("pk").first()
    built = Practitioner(
        **{f.attname: getattr(loaded, f.attname) for f in Practitioner._meta.concrete_fields}
    )
    assert type(loaded) is Practitioner and not loaded._state.adding and loaded._state.db == "default"
    assert [getattr(loaded, f.attname) for f in Practitioner._meta.concrete_fields] == [
        getattr(built, f.attname) for f in Practitioner._meta.concrete_fields
    ]
    assert loaded.get_deferred_fields() == set()

    deferred = Practitioner.objects.defer("email", "rpps").get(pk=loaded.pk)
    assert deferred.get_deferred_fields() == {"email", "rpps"}
    with CaptureQueriesContext(connection) as queries:
        assert deferred.email == loaded.email
    assert len(queries) == 1  # loaded on access, as Django does

    member = Membership.objects.select_related("practitioner__profession").filter(msp=msp).last()
    with CaptureQueriesContext(connection) as queries:
        assert member.practitioner.profession.code == member.practitioner.profession_id
    assert len(queries) == 0
    assert member.practitioner_id != loaded.pk
    member.practitioner_id = loaded.pk
    assert member.practitioner == loaded  # the id's descriptor forgets the object cached at loading

    renamed = Msp.objects.get(pk=msp.pk)
    renamed.name = "MSP renommée (test)"
    renamed.save()  # an UPDATE: a quickly loaded instance is not "adding"
    assert Msp.objects.filter(name="MSP renommée (test)").count() == 1 and Msp.objects.count() == 1

    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listener, sender=Msp)
    try:
        again = Msp.objects.get(pk=msp.pk)
    finally:
        post_init.disconnect(listener, sender=Msp)
    assert seen == [again]


def test_heavy_reads_go_to_the_replica_only_when_one_is_configured(settings):
    """ReplicaRouter: the reads of a `heavy_reads()` block go to DATABASE_REPLICA_URL's database when it is
    set; other reads, every write and every migration stay on the primary."""
    from backend.core.db import REPLICA, ReplicaRouter, heavy_alias, heavy_reads
    from network.models import Msp

    router = ReplicaRouter()
    with heavy_reads():
        assert router.db_for_read(Msp) is None and heavy_alias() == "default"  # no replica configured
    with warnings.catch_warnings():  # only the router reads it here: no connection to the replica is opened
        warnings.simplefilter("ignore", UserWarning)
        settings.DATABASES = {**settings.DATABASES, REPLICA: dict(settings.DATABASES["default"])}
    assert router.db_for_read(Msp) is None  # an ordinary read
    with heavy_reads():
        assert router.db_for_read(Msp) == REPLICA and heavy_alias() == REPLICA
        assert router.db_for_write(Msp) is None  # writes never
    assert router.db_for_read(Msp) is None  # the block is over
    assert (
        router.allow_migrate(REPLICA, "network") is False
        and router.allow_migrate("default", "network") is None
    )


@pytest.mark.django_db
def test_the_observatory_reads_as_heavy_reads(gql, monkeypatch):
    """Its figures, coverage and trend are read inside `heavy_reads()` (so from the replica when there is one)."""
    from backend.core import db

    seen = []
    original = db.ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        seen.append(db._heavy.get())
        return original(self, model, **hints)

    monkeypatch.setattr(db.ReplicaRouter, "db_for_read", spy)
    result = gql.execute("{ observatory(scope: {level: NATION}) { mspsOperating coverage { population } } }")
    assert "errors" not in result, result
    assert seen and all(seen)
