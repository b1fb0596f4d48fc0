"""Middleware that keeps the request chain asynchronous under ASGI.

Django runs a chain asynchronously only when every middleware can; one sync-only middleware
puts the view in a thread where a client's disconnect no longer reaches it. WhiteNoise 6 is
sync-only, hence this adapter: the lookup of a static file is a dictionary read (a file-system
search only with autorefresh, in development), serving it goes to a thread.
"""

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


class SyncAndAsync:
    """A middleware usable in both modes: `__acall__` under an async chain, `handle` under a sync one."""

    sync_capable = True
    async_capable = True

    def adopt_mode(self, get_response) -> None:
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        return self.__acall__(request) if self.is_async else self.handle(request)


class AsyncWhiteNoiseMiddleware(SyncAndAsync, WhiteNoiseMiddleware):
    def __init__(self, get_response=None, *args, **kwargs):
        super().__init__(get_response, *args, **kwargs)
        self.adopt_mode(get_response)

    def handle(self, request):
        return WhiteNoiseMiddleware.__call__(self, request)

    async def __acall__(self, request):
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            return await sync_to_async(self.serve)(static_file, request)
        return await self.get_response(request)
