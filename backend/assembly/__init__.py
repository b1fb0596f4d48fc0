"""What needs every floor at once, beside backend/schema.py and backend/urls.py: the demo that tells the
network's, mentoring's and the accelerator's stories together (`load_demo`), and the check of the
checked-in schema.graphql against the assembled schema (`check_schema`). Nothing below imports it."""
