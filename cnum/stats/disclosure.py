"""Statistical disclosure control of published tables (secret statistique): which cells of a two-way table
(département × month, département × theme…) must be left blank so that no published count is below a threshold
and no blank cell can be recomputed from what is published.

- **Primary suppression**: every cell whose value is below `threshold` (5 by default) is hidden.
- **Secondary suppression**: the margins listed in `totals` are published somewhere (in the file or elsewhere:
  the national figure of a month, a département's figure over the year), so each row or column with a published
  total is an equation "sum of its cells = total". A hidden cell is recoverable exactly when it is the only
  unknown of some equation, or more generally when the equations pin it down. For a two-way table this is a
  graph property: rows and columns are vertices, hidden cells are edges, and a hidden cell is recoverable if and
  only if it is a *bridge* (it lies on no cycle of hidden cells). A row or column with exactly one hidden cell is
  the simplest case. The algorithm hides, for each bridge, the cheapest published cells that close a cycle
  through it (a shortest path weighted by cell values), and repeats until no bridge is left.

Rows or columns whose total is not published impose no equation: they are merged into one "free" vertex. A cell
that stays recoverable even when every cell is hidden (alone in a row and a column that both have a published
total: the total is the cell) cannot be protected by the table itself; it is hidden and left as is.

Reference: Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, ch. 4 (tabular data, secondary
suppression); INSEE, *Guide du secret statistique* (2018).
"""

import heapq
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping

ROWS, COLUMNS = "rows", "columns"
#: No published count below this (people or activities): the open-data rule, also applied on public pages.
THRESHOLD = 5
Cell = tuple[Hashable, Hashable]
_FREE = ("free",)


def suppress(table: Mapping[Cell, int], threshold: int = 5, totals: Iterable[str] = (ROWS, COLUMNS)) -> set[Cell]:
    """The (row, column) keys of `table` to leave blank: the cells below `threshold`, plus the fewest-valued
    cells needed so that none of them can be recomputed from the other cells and the published `totals` ("rows":
    each row's total is published, "columns": each column's). Cells absent from `table` count as known zeros."""
    totals = set(totals)
    unknown = totals - {ROWS, COLUMNS}
    if unknown:
        raise ValueError(f"Marges inconnues : {sorted(unknown)}")
    edges = {key: _vertices(key, totals) for key in table}
    hidden = {key for key, value in table.items() if value < threshold}
    unprotectable = set()
    while True:
        bridges = sorted(_bridges(hidden, edges) - unprotectable, key=repr)
        if not bridges:
            return hidden
        for key in bridges:
            if not _is_bridge(key, hidden, edges):  # an earlier path of this round closed a cycle through it
                continue
            path = _cheapest_cycle(key, table, hidden, edges)
            if path is None:
                unprotectable.add(key)
            else:
                hidden |= path


def recoverable(table: Mapping[Cell, int], hidden: set[Cell], totals: Iterable[str] = (ROWS, COLUMNS)) -> set[Cell]:
    """The hidden cells whose value the published cells and totals determine (the bridges of the hidden cells)."""
    edges = {key: _vertices(key, set(totals)) for key in table}
    return _bridges(hidden, edges)


def _vertices(key: Cell, totals: set[str]) -> tuple[tuple, tuple]:
    row, column = key
    return (("row", row) if ROWS in totals else _FREE, ("column", column) if COLUMNS in totals else _FREE)


def _bridges(hidden: set[Cell], edges: dict) -> set[Cell]:
    """The hidden cells that are bridges of the graph of hidden cells, all at once (Tarjan's low-link, iterative,
    linear in the number of hidden cells): the same answer as `_is_bridge` cell by cell, which is quadratic and
    made a public page of a thinly recorded département take seconds. Two cells joining the same two vertices (the
    free vertex) are parallel edges: neither is a bridge, so an edge is skipped by its key, not by its vertex."""
    neighbours = defaultdict(list)
    for key in hidden:
        a, b = edges[key]
        if a != b:
            neighbours[a].append((b, key))
            neighbours[b].append((a, key))
    order, low, found = {}, {}, set()
    for root in neighbours:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, None, iter(neighbours[root]))]
        while stack:
            vertex, via, pending = stack[-1]
            for nxt, key in pending:
                if key == via:
                    continue
                if nxt in order:
                    low[vertex] = min(low[vertex], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, key, iter(neighbours[nxt])))
                    break
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[vertex])
                    if low[vertex] > order[parent]:
                        found.add(via)
    return found


def _is_bridge(key: Cell, hidden: set[Cell], edges: dict) -> bool:
    """Whether the hidden cell `key` lies on no cycle of hidden cells (its two vertices are disconnected without
    it); a cell joining the free vertex to itself is never a bridge: it belongs to no equation."""
    start, goal = edges[key]
    if start == goal:
        return False
    neighbours = defaultdict(list)
    for other in hidden:
        if other != key:
            a, b = edges[other]
            neighbours[a].append(b)
            neighbours[b].append(a)
    seen, stack = {start}, [start]
    while stack:
        vertex = stack.pop()
        for nxt in neighbours[vertex]:
            if nxt == goal:
                return False
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return True


def _cheapest_cycle(key: Cell, table: Mapping[Cell, int], hidden: set[Cell], edges: dict) -> set[Cell] | None:
    """The published cells of the cheapest path joining the two vertices of `key` without it (hidden cells cost
    nothing, published ones their value), or None when no such path exists."""
    start, goal = edges[key]
    neighbours = defaultdict(list)
    for other, (a, b) in edges.items():
        if other != key:
            neighbours[a].append((b, other))
            neighbours[b].append((a, other))
    best = {start: 0}
    previous = {}
    queue = [(0, 0, start)]
    counter = 1
    while queue:
        cost, _, vertex = heapq.heappop(queue)
        if vertex == goal:
            break
        if cost > best[vertex]:
            continue
        for nxt, cell in neighbours[vertex]:
            step = cost + (0 if cell in hidden else table[cell] + 1)
            if step < best.get(nxt, step + 1):
                best[nxt], previous[nxt] = step, (vertex, cell)
                heapq.heappush(queue, (step, counter, nxt))
                counter += 1
    if goal not in previous:
        return None
    path, vertex = set(), goal
    while vertex != start:
        vertex, cell = previous[vertex]
        if cell not in hidden:
            path.add(cell)
    return path
