"""An ASGI application with one slow field (app.py), served by Daphne in end-to-end tests only.

Importing `app` patches the schema: tests import the marker from here, never the module itself.
"""

MARKER = "tetedepont-slow-field"
