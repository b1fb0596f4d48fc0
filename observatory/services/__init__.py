"""The observatory's writes: monthly snapshots (`snapshots`), weak signals (`weak_signals`)."""
