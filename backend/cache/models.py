"""No Django model: the two tables are written by SQL only (`migrations/0001_initial.py`). The module exists
because Django sends `post_migrate`, which installs the triggers (`store.watch_writes`), only to apps that have
one."""
