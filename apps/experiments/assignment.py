"""Deterministic arm assignment: a debtor's arm is a function of (experiment id, debtor id) and the arms' weights.

The first 32 bits of md5("<experiment id>:<debtor id>") pick a point in [0, 2^32); scaled by the total weight it
falls into one arm's bucket (arms in position order, each as wide as its weight). md5 rather than Python's hash():
the same in every process and in PostgreSQL, so the daily run's SQL and this module always agree. The run records
the arm it picked (ArmAssignment); weights changed later only move debtors not yet recorded.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

HASH_BITS = 32


def hash_point(experiment_id: uuid.UUID | str, debtor_id: uuid.UUID | str) -> int:
    """The debtor's point in [0, 2^32) for this experiment."""
    digest = hashlib.md5(f"{experiment_id}:{debtor_id}".encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16)


def bucket_index(point: int, weights: Sequence[int]) -> int:
    """Which of the weighted buckets (in order) the point falls into. Zero-weight buckets take nobody."""
    total = sum(weights)
    if total <= 0:
        raise ValueError("weights must add up to more than zero")
    scaled = (point * total) >> HASH_BITS
    upper = 0
    for index, weight in enumerate(weights):
        upper += weight
        if scaled < upper:
            return index
    raise AssertionError("unreachable: scaled < total")


def arm_index(experiment_id: uuid.UUID | str, debtor_id: uuid.UUID | str, weights: Sequence[int]) -> int:
    return bucket_index(hash_point(experiment_id, debtor_id), weights)


def hash_point_sql(experiment_id: str, debtor_id: str) -> str:
    """The same point as hash_point, as a SQL expression over two uuid expressions (bigint, never negative)."""
    return f"('x' || substr(md5({experiment_id}::text || ':' || {debtor_id}::text), 1, 8))::bit(32)::bigint"


# The running experiments' arms with the bounds of their buckets, for the due-step query (apps.engine.due).
RUNNING_ARMS_SQL = """
    SELECT a.id AS arm_id, a.experiment_id, a.kind, a.version_id,
           SUM(a.weight) OVER w - a.weight AS lo,
           SUM(a.weight) OVER w AS hi,
           SUM(a.weight) OVER (PARTITION BY a.experiment_id) AS total
    FROM experiments_arm a JOIN experiments_experiment e ON e.id = a.experiment_id
    WHERE e.status = 'running'
    WINDOW w AS (PARTITION BY a.experiment_id ORDER BY a.position)
"""
