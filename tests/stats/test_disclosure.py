from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnum.stats import disclosure
from cnum.stats.disclosure import COLUMNS, ROWS, recoverable, suppress


def determined(table: dict, hidden: set, totals) -> set:
    """The hidden cells that the published cells and totals pin down, found by linear algebra (an oracle
    independent of the graph reasoning of cnum.stats.disclosure): a cell is determined when its unit vector lies
    in the row space of the equations restricted to the hidden cells."""
    unknowns = sorted(hidden, key=repr)
    index = {key: i for i, key in enumerate(unknowns)}
    equations = []
    for margin, position in ((ROWS, 0), (COLUMNS, 1)):
        if margin in totals:
            for line in {key[position] for key in table}:
                equation = [Fraction(0)] * len(unknowns)
                for key in table:
                    if key[position] == line and key in index:
                        equation[index[key]] = Fraction(1)
                equations.append(equation)
    base = _rank(equations)
    return {
        key
        for key in unknowns
        if _rank([*equations, [Fraction(int(i == index[key])) for i in range(len(unknowns))]]) == base
    }


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column] / rows[rank][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def test_primary_suppression_hides_small_cells_only_when_no_total_is_published():
    table = {("69", "01"): 3, ("69", "02"): 12, ("13", "01"): 40, ("13", "02"): 0}
    assert suppress(table, totals=()) == {("69", "01"), ("13", "02")}


def test_a_lone_hidden_cell_in_a_row_gets_a_partner_the_smallest_of_the_row():
    table = {("69", "01"): 3, ("69", "02"): 12, ("69", "03"): 8, ("13", "01"): 40}
    assert suppress(table, totals=(ROWS,)) == {("69", "01"), ("69", "03")}


def test_rows_and_columns_published_need_a_cycle_of_hidden_cells():
    table = {
        ("69", "01"): 3,
        ("69", "02"): 50,
        ("69", "03"): 9,
        ("13", "01"): 20,
        ("13", "02"): 60,
        ("13", "03"): 7,
        ("01", "01"): 30,
        ("01", "02"): 30,
        ("01", "03"): 30,
    }
    hidden = suppress(table)
    # The cheapest cycle through (69, 01): 69-03, 13-03, 13-01.
    assert hidden == {("69", "01"), ("69", "03"), ("13", "03"), ("13", "01")}
    assert not determined(table, hidden, (ROWS, COLUMNS))


def test_two_hidden_cells_per_line_are_not_always_enough():
    """Two squares of hidden cells joined by one hidden cell: every line has two hidden cells or more, yet the
    joining cell is the only one across the cut, so the totals give it."""
    rows, columns = ["a", "b", "c", "d"], ["1", "2", "3", "4"]
    table = {(r, c): 100 for r in rows for c in columns}
    hidden = {("a", "1"), ("a", "2"), ("b", "1"), ("b", "2"), ("c", "3"), ("c", "4"), ("d", "3"), ("d", "4")}
    hidden.add(("a", "3"))
    assert determined(table, hidden, (ROWS, COLUMNS)) == {("a", "3")}
    assert recoverable(table, hidden) == {("a", "3")}
    for key in hidden:
        table[key] = 1
    result = suppress(table)
    assert result > hidden and not determined(table, result, (ROWS, COLUMNS))


def test_a_cell_alone_in_its_row_and_column_is_hidden_though_its_totals_give_it_away():
    table = {("69", "01"): 2, ("13", "02"): 40}
    assert suppress(table) == {("69", "01")}


def test_unknown_margin_is_refused():
    with pytest.raises(ValueError, match="Marges inconnues"):
        suppress({}, totals=("diagonales",))


tables = st.dictionaries(
    st.tuples(st.integers(0, 4), st.integers(0, 4)), st.one_of(st.integers(0, 6), st.integers(5, 300)), max_size=25
)
margins = st.sampled_from([(), (ROWS,), (COLUMNS,), (ROWS, COLUMNS)])


@settings(max_examples=150, deadline=None)
@given(table=tables, totals=margins)
def test_property_no_small_cell_published_and_no_hidden_cell_recoverable(table, totals):
    hidden = suppress(table, threshold=5, totals=totals)
    assert hidden <= table.keys()
    assert all(value >= 5 for key, value in table.items() if key not in hidden)
    # Cells that every cell hidden would still not protect (alone in a line whose total is published) excepted.
    hopeless = determined(table, set(table), totals)
    assert determined(table, hidden, totals) <= hopeless
    for margin, position in ((ROWS, 0), (COLUMNS, 1)):
        if margin not in totals:
            continue
        for line in {key[position] for key in table}:
            cells = {key for key in table if key[position] == line}
            if not cells & hopeless:
                assert len(cells & hidden) != 1, (margin, line)


@settings(max_examples=300)
@given(
    cells=st.sets(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=30),
    totals=st.sampled_from([(ROWS, COLUMNS), (ROWS,), (COLUMNS,)]),
)
def test_all_bridges_at_once_are_the_cells_each_found_a_bridge_alone(cells, totals):
    """The linear bridge search gives exactly the cells the cell-by-cell check calls bridges (parallel edges
    through the free vertex included)."""
    edges = {key: disclosure._vertices(key, set(totals)) for key in cells}
    expected = {key for key in cells if disclosure._is_bridge(key, cells, edges)}
    assert disclosure._bridges(set(cells), edges) == expected
