import json

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.container import BarContainer

from transferkit.benchmarks import BenchmarkTable
from transferkit.plotting import plot_benchmark
from transferkit.plotting._benchmark import parse_cell


def _office():
    table = BenchmarkTable("Office-Caltech10 SURF: accuracy (%)", ["C→A", "A→W", "Avg"])
    table.add_row("TCA + 1NN (published)", [45.6, 40.0, 42.8])
    table.add_row("TCA + 1NN (transferkit)", [46.7, 37.3, 42.0])
    table.add_row("SA + 1NN (transferkit)", [40.4, 41.4, None])
    return table


def _mushroom():
    table = BenchmarkTable(
        "Mushroom: test error, mean (std)", ["transferkit", "published"]
    )
    table.add_row("SVM, source only", ["0.264 (0.001)", "0.261 (0.001)"])
    table.add_row("TrAdaBoost", ["0.055 (0.017)", "0.053 (0.016)"])
    table.add_row("SVM, labelled target only", ["0.053 (0.016)", None])
    return table


def _bars(ax):
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def _heights(container):
    return [bar.get_height() for bar in container]


def test_rows_beside_their_published_twins():
    ax = plot_benchmark(_office())
    assert len(_bars(ax)) == 3
    for container, (_, values) in zip(_bars(ax), _office().rows):
        expected = [np.nan if v is None else v for v in values]
        np.testing.assert_array_equal(_heights(container), expected)
    published, ours, sa = _bars(ax)
    assert published.patches[0].get_hatch() == "//"
    assert ours.patches[0].get_hatch() is None
    # a published row and its transferkit twin share a colour; other rows do not
    rgb = [to_rgba(c.patches[0].get_facecolor())[:3] for c in _bars(ax)]
    assert rgb[0] == rgb[1] != rgb[2]
    # bars of one task sit side by side, in row order
    x = [c.patches[0].get_x() for c in _bars(ax)]
    assert x == sorted(x) and x[-1] < 0.5
    assert [t.get_text() for t in ax.get_xticklabels()] == ["C→A", "A→W", "Avg"]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [m for m, _ in _office().rows]
    assert ax.get_title().startswith("Office-Caltech10 SURF")


def test_published_column_groups_by_method_with_error_bars():
    ax = plot_benchmark(_mushroom().to_dict())
    ours, published = _bars(ax)
    np.testing.assert_array_equal(_heights(ours), [0.264, 0.055, 0.053])
    np.testing.assert_array_equal(_heights(published), [0.261, 0.053, np.nan])
    assert published.patches[0].get_hatch() == "//"
    segments = ours.errorbar.lines[2][0].get_segments()
    np.testing.assert_allclose(
        [s[1, 1] - s[0, 1] for s in segments], [0.002, 0.034, 0.032]
    )
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        m for m, _ in _mushroom().rows
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "transferkit",
        "published",
    ]


def test_the_cli_json_list_draws_one_panel_per_table():
    printed = json.dumps([_office().to_dict(), _mushroom().to_dict()], indent=2)
    axes = plot_benchmark(json.loads(printed))
    assert len(axes) == 2
    assert len(_bars(axes[0])) == 3 and len(_bars(axes[1])) == 2


def test_methods_and_columns_select_and_order():
    ax = plot_benchmark(
        _office(),
        methods=["SA + 1NN (transferkit)", "TCA + 1NN (published)"],
        columns=["A→W", "C→A"],
    )
    sa, published = _bars(ax)
    np.testing.assert_array_equal(_heights(sa), [41.4, 40.4])
    np.testing.assert_array_equal(_heights(published), [40.0, 45.6])
    with pytest.raises(ValueError, match=r"unknown methods \['GFK'\]"):
        plot_benchmark(_office(), methods=["GFK"])
    with pytest.raises(ValueError, match=r"unknown columns \['W→D'\]"):
        plot_benchmark(_office(), columns=["W→D"])


@pytest.mark.parametrize(
    "cell, expected",
    [
        (41.7, (41.7, np.nan)),
        (3, (3.0, np.nan)),
        ("0.264 (0.001)", (0.264, 0.001)),
        ("93.1 ± 0.5", (93.1, 0.5)),
        ("-2.5", (-2.5, np.nan)),
        ("1e-3", (0.001, np.nan)),
        ("—", (np.nan, np.nan)),
        (None, (np.nan, np.nan)),
        ("target_only on 5 of 5 seeds", (np.nan, np.nan)),
        (True, (np.nan, np.nan)),
    ],
)
def test_parse_cell(cell, expected):
    np.testing.assert_array_equal(parse_cell(cell), expected)


def test_bad_tables_are_refused():
    with pytest.raises(TypeError, match="BenchmarkTable"):
        plot_benchmark("office-caltech")
    with pytest.raises(ValueError, match="has 1 values but the table has 2 columns"):
        plot_benchmark(
            {
                "title": "t",
                "columns": ["a", "b"],
                "rows": [{"method": "m", "values": [1.0]}],
            }
        )
    with pytest.raises(ValueError, match="empty list"):
        plot_benchmark([])
