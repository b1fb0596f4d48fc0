"""conflicts_raise: constraint violations and PostgreSQL's deadlock between conflicting writers both become
the domain's error, and the surrounding transaction stays usable."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction

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
