"""The photo index: which enrolled views are near an avatar's, and the thresholds a distance is judged by.

Hashes only nominate candidates. A photo on its own becomes a finding only once ``photo_check``
has verified it with local features; logos inside pictures are found by ``watcher.matching.logos``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from watcher.matching.images.hashing import COLOR_WEIGHT, GREY_CHARGE, color_distance
from watcher.models import ImageHashes, ViewTable

# Thresholds, from bench/calibrate_images.py on the calibration part of its corpus (see its output).
# A view_distance (0..MAX_DISTANCE): luminance bits + 2 × colour bits, or + GREY_CHARGE when either is grey.
PHOTO_CANDIDATE = 50  # a photo worth verifying with local features (photo_check); see docs/engineering.md for why 50
PHOTO_LOOSE = 46  # with a matching name as second evidence, no verification needed


@dataclass(frozen=True)
class ViewMatch:
    """The closest pair of views between an avatar and one owner's references."""

    owner: int
    distance: int  # view_distance: luminance bits + twice the colour bits (or GREY_CHARGE), 0..MAX_DISTANCE
    reference_view: str
    query_view: str
    color_distance: int | None  # None when either picture is grey


class HashIndex:
    """Reference views of many owners: which are within a distance of an avatar's views.

    A view pair is a candidate when its ``view_distance`` is within the limit *and* the two phashes
    or the two dhashes agree, within one bit, on one of their four 16-bit quarters. The gallery
    makes many near pairs, so a true copy nearly always has one: on the test part of
    bench/calibrate_images.py photo-alone recall stays 0.946 and recall with a name goes from 0.984
    to 0.983 (phash quarters alone lost crops of 30% and a sepia crop in a border), while a
    stranger's view meets about 1% of an index's rows that way.
    So a large index is not scanned: each quarter of every reference hash is bucketed, and an avatar
    view reads the 17 buckets of each of its eight quarters (its value and its 16 one-bit neighbours:
    multi-index hashing). At 75,000 staff (8 million views) that is about a hundred thousand rows
    per avatar view instead of 8 million. A small index is scanned with the same rule, so both give
    the same answer.
    """

    def __init__(self, table: ViewTable) -> None:
        self._owners = table.owners
        self._codes = table.codes
        self._names = table.names
        self._luminance = np.ascontiguousarray(table.hashes[:, :2])  # phash, dhash: read together, 16 bytes a row
        self._colour = np.ascontiguousarray(table.hashes[:, 2])
        self._buckets = None
        if len(self._owners) >= SCAN_BELOW:
            self._buckets = [_Buckets(q) for c in (0, 1) for q in _quarters(self._luminance[:, c])]

    @classmethod
    def of(cls, entries: Iterable[tuple[int, str, ImageHashes]]) -> HashIndex:
        """From (owner, view name, hashes) entries."""
        return cls(ViewTable.of(entries))

    def __len__(self) -> int:
        return len(self._owners)

    def nearest(self, queries: Sequence[tuple[str, ImageHashes]], max_distance: int) -> list[ViewMatch]:
        """The closest view pair per owner within ``max_distance`` (see ``view_distance``), closest first."""
        if not len(self._owners) or not queries:
            return []
        rows, numbers, dists = self._pairs([q for _, q in queries], max_distance)
        if not len(rows):
            return []
        owners = self._owners[rows]
        order = np.lexsort((numbers, rows, dists, owners))  # per owner: the closest pair, ties to the first view
        matches = []
        for i in order[np.unique(owners[order], return_index=True)[1]].tolist():
            row, (query_name, query) = int(rows[i]), queries[int(numbers[i])]
            colour = color_distance(self._hashes(row), query)
            name = self._names[self._codes[row]]
            matches.append(ViewMatch(int(owners[i]), int(dists[i]), name, query_name, colour))
        return sorted(matches, key=lambda m: (m.distance, m.owner))

    def _hashes(self, row: int) -> ImageHashes:
        phash, dhash = self._luminance[row].tolist()
        return ImageHashes(phash, dhash, int(self._colour[row]))

    def _pairs(self, queries: list[ImageHashes], max_distance: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(index row, query number, distance) of every pair within ``max_distance`` that the quarter rule admits.

        At district scale an avatar view meets a hundred thousand rows in its buckets, scattered over
        the table, and reading them is most of the cost: a row's two luminance hashes are read at once
        (they bound the distance from below), the colour only of the rows they leave."""
        mine = np.array([(q.phash, q.dhash) for q in queries], dtype=np.uint64)
        colours = np.array([q.color for q in queries], dtype=np.uint64)
        quarters = np.concatenate([_quarters(mine[:, 0]), _quarters(mine[:, 1])]).T  # views × 8
        found = []
        for k in range(len(queries)):
            if self._buckets is None:
                rows, differ = np.arange(len(self._owners)), self._luminance ^ mine[k]
            else:  # a row in two buckets is met twice: cheaper than sorting the rows to drop it
                rows = np.concatenate(
                    [b.rows(q ^ _NEIGHBOURS) for b, q in zip(self._buckets, quarters[k], strict=True)]
                )
                differ = self._luminance[rows] ^ mine[k]
            bits = np.bitwise_count(differ)  # numpy sums a 2-wide axis slowly: added as columns
            lum = bits[:, 0].astype(np.int16) + bits[:, 1]
            near = np.flatnonzero(lum <= max_distance)
            rows, lum = rows[near], lum[near]
            theirs = self._colour[rows]
            diff = theirs ^ colours[k]
            axis = np.bitwise_count(diff >> np.uint64(32)).astype(np.int16)
            colour = COLOR_WEIGHT * (np.minimum(axis, 32 - axis) + np.bitwise_count(diff & np.uint64(0xFFFFFFFF)))
            dist = lum + np.where((theirs == 0) | (colours[k] == 0), GREY_CHARGE, colour).astype(np.int16)
            keep = dist <= max_distance
            if self._buckets is None:  # scanned: the rule the buckets apply by construction
                close = differ[near[keep]]
                agree = np.bitwise_count(np.concatenate([_quarters(close[:, 0]), _quarters(close[:, 1])]))
                keep[keep] = agree.min(axis=0, initial=64) <= QUARTER_SLACK
            found.append((rows[keep], np.full(int(keep.sum()), k), dist[keep]))
        at, number, dist = (np.concatenate(parts) for parts in zip(*found, strict=True))
        return at, number, dist


SCAN_BELOW = 20_000  # index rows: a smaller index is scanned, a larger one read by buckets (same answer)
QUARTER_SLACK = 1  # bits: a candidate pair's phashes or dhashes agree this closely on one 16-bit quarter
_NEIGHBOURS = np.array([0] + [1 << bit for bit in range(16)], dtype=np.uint16)  # a quarter and its 1-bit neighbours


def _quarters(codes: np.ndarray | np.uint64) -> np.ndarray:
    """The four 16-bit quarters of 64-bit codes (4 × n, uint16)."""
    return np.stack([(codes >> np.uint64(16 * k)) & np.uint64(0xFFFF) for k in range(4)]).astype(np.uint16)


class _Buckets:
    """Rows by the value of one 16-bit quarter: the rows holding a value are one slice."""

    def __init__(self, keys: np.ndarray) -> None:
        self._order = np.argsort(keys, kind="stable").astype(np.int32)
        self._starts = np.searchsorted(keys[self._order], np.arange((1 << 16) + 1))

    def rows(self, values: np.ndarray) -> np.ndarray:
        """The rows holding any of these values."""
        starts, order = self._starts, self._order
        return np.concatenate([order[starts[v] : starts[v + 1]] for v in values.tolist()])
