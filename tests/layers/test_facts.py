"""The registry answers what checks ask of a layer kind, from the facts on its rule."""

from shape_engine.layers import RULES
from shape_engine.layers.base import NO_FACTS, facts_of, is_input_kind, rule_for


def test_an_alias_has_the_facts_of_its_kind() -> None:
    assert rule_for("Convolution2D") is RULES["Conv2D"]
    assert facts_of("Convolution2D").rank == 4
    assert facts_of("MaxPool1D").local_pooling


def test_a_kind_not_modelled_has_no_facts() -> None:
    assert rule_for("NotALayer") is None
    assert facts_of("NotALayer") == NO_FACTS
    assert facts_of(None) == NO_FACTS
    assert not is_input_kind(None)


def test_only_the_input_layers_declare_an_input() -> None:
    assert sorted(kind for kind in RULES if is_input_kind(kind)) == ["Input", "InputLayer"]


def test_every_layer_needing_a_rank_is_batched_and_spatial_or_sequential() -> None:
    ranks = {kind: rule.facts.rank for kind, rule in RULES.items() if rule.facts.rank}
    assert set(ranks.values()) == {3, 4, 5}
    # The N-D convolutions and poolings need N + 2 axes (batch and channels).
    for kind, rank in ranks.items():
        for spatial in (1, 2, 3):
            if kind.endswith(f"{spatial}D") and not kind.startswith("ConvLSTM"):
                assert rank == spatial + 2, kind


def test_a_plain_rnn_reads_its_last_axis_and_keeps_no_rank() -> None:
    rnns = sorted(kind for kind, rule in RULES.items() if rule.facts.rnn)
    assert rnns == ["GRU", "LSTM", "SimpleRNN"]
    for kind in rnns:
        facts = facts_of(kind)
        assert facts.rank == 3 and facts.weights_axis == "last" and not facts.keeps_rank
