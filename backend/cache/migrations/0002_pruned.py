from django.db import migrations

# The last emptying of the store (`store.prune`), by its transaction: an answer whose snapshot does not see it was
# read before the emptying, so the writers it would need to be checked against may have left the log with it.
# Unlogged as the two others: after a crash all three are emptied together.
SQL = "CREATE UNLOGGED TABLE response_cache_pruned (xid xid8 NOT NULL);"
REVERSE = "DROP TABLE response_cache_pruned;"


class Migration(migrations.Migration):
    dependencies = [("response_cache", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
