import re

import pytest

from cnum.stats import charts, maps
from cnum.stats.charts import Item


def test_bar_chart_is_an_accessible_image_with_every_value():
    svg = charts.bar_chart("themes", "Thématiques", [Item("E-mail", 1234), Item("Santé <test>", 7)])
    assert 'role="img"' in svg and 'aria-labelledby="themes-titre"' in svg and 'aria-describedby="themes-desc"' in svg
    assert '<title id="themes-titre">Thématiques</title>' in svg
    description = re.search(r'<desc id="themes-desc">([^<]*)</desc>', svg).group(1)
    assert "E-mail : 1\u202f234" in description and "Santé &lt;test&gt; : 7" in description
    # The largest bar is the full width; the other is proportional.
    widths = [float(width) for width in re.findall(r'<rect x="230" y="[^"]+" width="([^"]+)"', svg)]
    assert widths[0] == 330.0 and widths[1] == pytest.approx(330 * 7 / 1234, abs=0.1)


def test_empty_chart_says_so():
    svg = charts.bar_chart("vide", "Thématiques", [])
    assert "Aucune donnée" in svg


def test_column_chart_lists_each_month_and_series():
    svg = charts.column_chart(
        "mois", "Par mois", ["janv. 2025", "févr. 2025"], [("Activités", [3, 0]), ("Accompagnements", [10, 4])]
    )
    assert "Activités en janv. 2025 : 3" in svg and "Accompagnements en févr. 2025 : 4" in svg
    assert svg.count("<rect") == 2 + 4  # a legend key per series, a column per month and series


def test_share_bar_shares_add_up():
    svg = charts.share_bar("parts", "Individuel ou collectif", [Item("Individuel", 2, 67), Item("Collectif", 1, 33)])
    assert "Individuel : 67 % (2)" in svg and "Collectif : 33 % (1)" in svg
    widths = [float(width) for width in re.findall(r'y="8" width="([^"]+)"', svg)]
    assert sum(widths) == pytest.approx(620, abs=0.2)


def test_numbers_are_french():
    assert charts.number(1234567) == "1\u202f234\u202f567"
    assert charts.number(12.5) == "12,5"
    assert charts.number(4.0) == "4"


def test_base_map_has_the_metropolitan_departements():
    _, shapes = maps.base_map()
    codes = {shape.code for shape in shapes}
    assert len(codes) == 96 and {"2A", "2B", "69", "13"} <= codes and "971" not in codes


def test_classes_have_equal_width_and_fewer_for_small_values():
    assert [(c.low, c.high) for c in maps.classes({"69": 100, "01": 3})] == [
        (1, 20),
        (21, 40),
        (41, 60),
        (61, 80),
        (81, 100),
    ]
    assert [(c.low, c.high) for c in maps.classes({"69": 2})] == [(1, 1), (2, 2)]
    assert maps.classes({"69": 0}) == []


def test_map_colours_departements_with_data_and_lists_overseas():
    values = {"69": 100, "13": 10, "974": 50}
    drawn = maps.choropleth(
        "carte",
        "Accompagnements",
        values,
        names={"69": "Rhône", "974": "La Réunion"},
        unit="accompagnements",
        link=lambda code: f"/d/{code}" if code == "69" else None,
    )
    svg = drawn["svg"]
    pattern = r'fill="(#[0-9a-f]{6})" stroke="#ffffff" stroke-width="0.6" data-code="(\w+)"'
    by_code = {code: fill for fill, code in re.findall(pattern, svg)}
    assert len(by_code) == 96 and by_code["69"] == maps.CLASS_COLOURS[-1]
    assert by_code["13"] == maps.CLASS_COLOURS[0]
    assert by_code["01"] == maps.NO_DATA
    assert '<a href="/d/69" aria-label="Rhône (69) : 100 accompagnements">' in svg
    assert 'href="/d/13"' not in svg and 'role="group"' in svg
    assert drawn["off_map"] == [
        {"code": "974", "name": "La Réunion", "value": 50, "colour": maps.CLASS_COLOURS[2], "url": None}
    ]
    assert [item["label"] for item in drawn["legend"]] == ["1 à 20", "21 à 40", "41 à 60", "61 à 80", "81 à 100"]


def test_map_without_links_is_an_image():
    svg = maps.choropleth("carte", "Titre", {"69": 1}, names={}, unit="accompagnements")["svg"]
    assert 'role="img"' in svg and "<a " not in svg


def month_labels(count: int) -> list[str]:
    names = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
    return [f"{names[index % 12]} {2020 + index // 12}" for index in range(count)]


@pytest.mark.parametrize("months", [1, 6, 12, 13, 24, 36, 61, 120])
def test_month_labels_never_overlap(months):
    labels = month_labels(months)
    svg = charts.column_chart("mois", "Par mois", labels, [("Activités", list(range(months)))])
    # The axis labels are the centred texts under the plot; each is as wide as its characters (11 px font).
    drawn = re.findall(r'<text x="([\d.]+)" y="246" font-size="11" text-anchor="middle"[^>]*>([^<]*)</text>', svg)
    assert drawn and drawn[0][1] == labels[0]
    positions = [float(x) for x, _ in drawn]
    widest = max(len(label) for _, label in drawn) * charts.AXIS_CHAR_WIDTH
    gaps = [right - left for left, right in zip(positions, positions[1:], strict=False)]
    assert all(gap >= widest for gap in gaps), (months, min(gaps))
    # Every month is still in the chart's description (and in the table under it).
    assert all(f"Activités en {label} :" in svg for label in labels)
