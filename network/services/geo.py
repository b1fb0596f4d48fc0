"""Distances on the sphere, in Python and as SQL expressions."""

import math

from django.db.models import F, FloatField, Value
from django.db.models.functions import ACos, Cos, Greatest, Least, Radians, Sin

EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def distance_expression(lat: float, lon: float, lat_field: str, lon_field: str):
    """SQL great-circle distance (spherical law of cosines, clamped for acos) from a point to two columns."""
    lat_r, lon_r = math.radians(lat), math.radians(lon)
    cos_angle = Value(math.sin(lat_r)) * Sin(Radians(F(lat_field))) + Value(math.cos(lat_r)) * Cos(
        Radians(F(lat_field))
    ) * Cos(Radians(F(lon_field)) - Value(lon_r))
    clamped = Greatest(Value(-1.0), Least(Value(1.0), cos_angle, output_field=FloatField()))
    return ACos(clamped) * Value(EARTH_RADIUS_KM)


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle; used to prefilter on an index."""
    dlat = radius_km / 111.195
    coslat = max(math.cos(math.radians(lat)), 0.01)
    dlon = min(radius_km / (111.195 * coslat), 180.0)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
