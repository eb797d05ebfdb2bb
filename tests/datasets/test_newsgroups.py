"""20 Newsgroups loader and the cross-topic transfer splits."""

import numpy as np
import pytest

from transferkit.benchmarks._text_splits import (
    CROSS_TOPIC_PAIRS,
    CROSS_TOPIC_SUBGROUPS,
    cross_topic_baselines,
    make_cross_topic_split,
)
from transferkit.datasets import NEWSGROUPS, DataFileError, load_newsgroups

# Documents per newsgroup in the bydate files (train, test), counted from the
# files whose SHA-256 the loader checks.
COUNTS = {
    "rec.autos": (594, 395),
    "rec.motorcycles": (598, 398),
    "rec.sport.baseball": (597, 397),
    "rec.sport.hockey": (600, 399),
    "sci.crypt": (595, 396),
    "sci.electronics": (591, 393),
    "sci.med": (594, 396),
    "sci.space": (593, 394),
    "talk.politics.guns": (545, 364),
    "talk.politics.mideast": (564, 376),
    "talk.politics.misc": (465, 310),
    "talk.religion.misc": (377, 251),
}


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="subset must be 'train', 'test' or 'all'"):
        load_newsgroups("validation", data_home=tmp_path)
    with pytest.raises(ValueError, match=r"Unknown newsgroup\(s\) \['rec.cars'\]"):
        load_newsgroups(groups=["rec.autos", "rec.cars"], data_home=tmp_path)
    with pytest.raises(TypeError, match="not a string"):
        load_newsgroups(groups="rec.autos", data_home=tmp_path)
    with pytest.raises(ValueError, match="Unknown pair 'comp vs rec'"):
        make_cross_topic_split("comp vs rec", data_home=tmp_path)
    with pytest.raises(ValueError, match="pair must look like 'rec vs talk'"):
        make_cross_topic_split("rec talk", data_home=tmp_path)
    with pytest.raises(ValueError, match="protocol must be one of"):
        make_cross_topic_split("rec vs talk", data_home=tmp_path, protocol="x")


def test_missing_and_corrupted_files(tmp_path):
    with pytest.raises(DataFileError, match="20newsgroups-train.tab.*not found"):
        load_newsgroups(data_home=tmp_path, download_if_missing=False)
    folder = tmp_path / "newsgroups20"
    folder.mkdir()
    (folder / "20newsgroups-test.tab").write_text("Category\tText\nd\tstring\n")
    with pytest.raises(DataFileError, match="SHA-256"):
        load_newsgroups("test", data_home=tmp_path)


def test_sub_group_lists_are_well_formed():
    for protocol, tasks in CROSS_TOPIC_SUBGROUPS.items():
        assert set(tasks) == set(CROSS_TOPIC_PAIRS), protocol
        for pair, lists in tasks.items():
            assert set(lists) == set(pair.split(" vs "))
            for top, (source, target) in lists.items():
                assert len(source) == len(target) == 2
                assert not set(source) & set(target)
                assert all(g.startswith(top + ".") for g in source + target)
                assert set(source + target) <= set(NEWSGROUPS)


@pytest.mark.realdata
def test_newsgroups_counts(data_home):
    texts, labels = load_newsgroups("train", data_home=data_home)
    assert len(texts) == labels.shape[0] == 11293
    assert set(labels) == set(NEWSGROUPS)
    test_texts, test_labels = load_newsgroups("test", data_home=data_home)
    assert len(test_texts) == 7528
    for group, (n_train, n_test) in COUNTS.items():
        assert np.sum(labels == group) == n_train, group
        assert np.sum(test_labels == group) == n_test, group
    assert all(isinstance(t, str) and t for t in texts[:100])
    # "all" is the training documents then the test ones
    all_texts, all_labels = load_newsgroups("all", data_home=data_home)
    assert all_texts[: len(texts)] == texts and all_texts[len(texts) :] == test_texts
    np.testing.assert_array_equal(all_labels, np.r_[labels, test_labels])


@pytest.mark.realdata
def test_newsgroups_group_filter(data_home):
    texts, labels = load_newsgroups(
        "test", groups=["sci.space", "rec.autos"], data_home=data_home
    )
    assert len(texts) == 394 + 395
    assert set(labels) == {"sci.space", "rec.autos"}
    # the Cachopo preprocessing prepends the subject and keeps letters only
    assert all(t == t.lower() and not any(c.isdigit() for c in t) for t in texts)


@pytest.mark.realdata
@pytest.mark.parametrize("protocol", sorted(CROSS_TOPIC_SUBGROUPS))
@pytest.mark.parametrize("pair", CROSS_TOPIC_PAIRS)
def test_cross_topic_split(data_home, pair, protocol):
    Xs, ys, Xt, yt, gs, gt = make_cross_topic_split(
        pair, data_home=data_home, protocol=protocol, return_groups=True
    )
    lists = CROSS_TOPIC_SUBGROUPS[protocol][pair]
    source_groups = {g for s, _ in lists.values() for g in s}
    target_groups = {g for _, t in lists.values() for g in t}
    # disjoint in sub-groups, each domain exactly its lists
    assert set(gs) == source_groups and set(gt) == target_groups
    assert not set(gs) & set(gt)
    assert len(Xs) == len(ys) == len(gs) and len(Xt) == len(yt) == len(gt)
    assert len(Xs) == sum(sum(COUNTS[g]) for g in source_groups)
    assert len(Xt) == sum(sum(COUNTS[g]) for g in target_groups)
    # the label is the top category, the first named being positive
    positive = pair.split(" vs ")[0]
    np.testing.assert_array_equal(ys, [g.startswith(positive + ".") for g in gs])
    np.testing.assert_array_equal(yt, [g.startswith(positive + ".") for g in gt])
    assert 0.3 < ys.mean() < 0.7 and 0.3 < yt.mean() < 0.7


@pytest.mark.realdata
def test_cross_topic_split_reversed_and_subset(data_home):
    Xs, ys, Xt, yt = make_cross_topic_split("rec vs talk", data_home=data_home)
    # rec.autos + rec.motorcycles + talk.politics.guns + talk.politics.misc
    assert len(Xs) == 989 + 996 + 909 + 775
    Xs2, ys2, Xt2, yt2 = make_cross_topic_split("talk_vs_rec", data_home=data_home)
    assert Xs2 == Xs and Xt2 == Xt
    np.testing.assert_array_equal(ys2, 1 - ys)
    np.testing.assert_array_equal(yt2, 1 - yt)
    Xs3, _, Xt3, _ = make_cross_topic_split(
        "rec vs talk", data_home=data_home, subset="test"
    )
    assert len(Xs3) == 395 + 398 + 364 + 310
    assert len(Xt3) == 397 + 399 + 376 + 251


@pytest.mark.slow
@pytest.mark.realdata
def test_cross_topic_baselines_show_the_shift(data_home):
    """On the test documents only: source-only is far below target-only."""
    result = cross_topic_baselines(
        pairs=("rec vs talk",), data_home=data_home, cv=3, subset="test"
    )["rec vs talk"]
    assert result["n_source"] == 395 + 398 + 364 + 310
    assert 0.6 < result["source_only"] < result["target_only"] - 0.1
    assert result["target_only"] > 0.95
