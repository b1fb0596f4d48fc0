"""Is the channel layer (Redis) reachable? For /healthz, the WebSocket handshake and publishing.

The in-memory layer is always available. For Redis, a PING with short timeouts: a Redis that is down
or that accepts connections but never answers is reported unavailable within half a second. The
asynchronous check is cached a moment, so a burst of handshakes costs one PING.
"""

import time

import redis
import redis.asyncio as aioredis
from django.conf import settings
from redis import RedisError

TIMEOUT = 0.5
CACHE_SECONDS = 2.0

_last: tuple[float, bool] | None = None


def _redis_url() -> str | None:
    return getattr(settings, "REDIS_URL", "") or None


def layer_available_sync() -> bool:
    url = _redis_url()
    if url is None:
        return True

    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


async def layer_available() -> bool:
    global _last
    url = _redis_url()
    if url is None:
        return True
    now = time.monotonic()
    if _last is not None and now - _last[0] < CACHE_SECONDS:
        return _last[1]

    client = aioredis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    try:
        available = bool(await client.ping())
    except (RedisError, OSError, TimeoutError):
        available = False
    finally:
        await client.aclose()
    _last = (now, available)
    return available
