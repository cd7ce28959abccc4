"""The application uvicorn serves.

Two doors into one Django project, chosen per request by the view the path resolves to:
- async views — the live-event streams of the display, the board and the workbench, which stay
  open for hours — go to Django's ASGI handler and cost the event loop nothing while they wait;
- every other request (pages, the JSON API, the admin) runs whole in one thread of a fixed pool
  through Django's WSGI handler (a2wsgi bridges the two).

Why not Django's ASGI handler for everything: it runs a sync view in a new thread per request
and hands each sync middleware's hooks back and forth between that thread and the event loop.
Measured on the 2-core benchmark machine, that cost more CPU than the view itself (profile in
the queue benchmark in the README). A fixed pool also lets each thread keep its database connection.
"""

import os
from inspect import iscoroutinefunction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicehall.settings")

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.urls import Resolver404, resolve

REQUEST_THREADS = 10  # at most this many sync requests run at once in one process

streams = get_asgi_application()
requests = WSGIMiddleware(get_wsgi_application(), workers=REQUEST_THREADS)


def _is_stream(path: str) -> bool:
    try:
        return iscoroutinefunction(resolve(path).func)
    except Resolver404:
        return False


async def application(scope, receive, send):
    if scope["type"] == "http" and not _is_stream(scope["path"]):
        await requests(scope, receive, send)
    else:
        await streams(scope, receive, send)
