"""Distances between a point and the sites, in the database: the haversine formula on a sphere of the Earth's mean
radius (IUGG, 6 371.0088 km), good to about 0.5 % — ample for "the nearest places where I can get help".

Django registers the trigonometric functions on SQLite too, so the same expression runs on both engines; a bounding
box on latitude and longitude first keeps the computation to the sites that can be within the radius.
"""

import math

from django.db.models import F, FloatField, Value
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180


def distance_km_expression(latitude: float, longitude: float):
    """The great-circle distance in km from (latitude, longitude) to a row's `latitude`, `longitude` columns."""
    lat, lon = Value(math.radians(latitude)), Value(math.radians(longitude))
    half_dlat = (Radians(F("latitude")) - lat) / 2
    half_dlon = (Radians(F("longitude")) - lon) / 2
    inner = Power(Sin(half_dlat), 2) + Cos(lat) * Cos(Radians(F("latitude"))) * Power(Sin(half_dlon), 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(inner), output_field=FloatField())


def bounding_box(latitude: float, longitude: float, radius_km: float) -> dict:
    """Latitude and longitude bounds (filter lookups) of every point within `radius_km`; longitudes are not clipped
    at the antimeridian (no French place lies across it)."""
    dlat = radius_km / KM_PER_DEGREE
    cos_lat = max(math.cos(math.radians(min(abs(latitude) + dlat, 89.9))), 1e-6)
    dlon = min(radius_km / (KM_PER_DEGREE * cos_lat), 180)
    return {
        "latitude__gte": latitude - dlat,
        "latitude__lte": latitude + dlat,
        "longitude__gte": longitude - dlon,
        "longitude__lte": longitude + dlon,
    }
