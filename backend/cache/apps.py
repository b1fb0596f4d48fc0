from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ResponseCacheConfig(AppConfig):
    name = "backend.cache"
    label = "response_cache"
    verbose_name = "Cache des réponses"

    def ready(self) -> None:
        from .store import watch_writes  # the app registry is ready only now

        post_migrate.connect(watch_writes, sender=self, dispatch_uid="response_cache.watch_writes")
