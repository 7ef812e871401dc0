"""nestgap.simulation.vp_order against NEST 3.10: connector sort, ring-buffer, gap-junction and recorder orders.

The NEST comparisons run the experiments of validation/vp_order_probe.py at a
few VP counts; every expected number there comes from NEST in the same run.
The rules are documented in docs/nest_vp_structure.md.
"""

import numpy as np
import pytest

from nestgap.simulation.vp_order import ConnectorTable, connector_sort, segment_of, spike_key, thread_of
from validation import vp_order_probe as probe


@pytest.mark.parametrize("n", [1, 2, 23, 24, 200, 999, 1000, 5000])
def test_connector_sort_sorts_by_source(n):
    rng = np.random.default_rng(n)
    sources = rng.integers(1, 50, n)
    perm = connector_sort(sources)
    assert sorted(perm) == list(range(n))
    assert np.all(np.diff(sources[perm]) >= 0)


def test_short_connectors_keep_creation_order_within_a_source():
    rng = np.random.default_rng(0)
    sources = rng.integers(1, 5, 23)                     # below pdqsort's insertion-sort threshold of 24
    assert connector_sort(sources).tolist() == list(np.argsort(sources, kind="stable"))


def test_sorted_connectors_from_1000_on_stay_put_but_shorter_ones_move():
    rng = np.random.default_rng(1)
    for n, unchanged in ((1000, True), (200, False)):
        sources = np.sort(rng.integers(1, 20, n))
        assert (connector_sort(sources).tolist() == list(range(n))) is unchanged


def test_connector_table_positions_follow_repeated_sorts():
    table = ConnectorTable(n_vp=2)
    sources = [5, 3, 5, 1, 3, 5] * 10
    for label, source in enumerate(sources):
        table.add(label, source, target=2 * label, syn_id=7)    # even targets: all on thread 0
    table.sort()
    first = table.connector(0, 7)
    assert [sources[c] for c in first] == sorted(sources)
    table.sort()                                          # a sorted connector of 60 can be permuted again
    assert sorted(table.connector(0, 7)) == sorted(first)
    assert [table.position(c) for c in table.connector(0, 7)] == list(range(60))


def test_keys_order_slices_threads_pieces_and_lags():
    d, n_vp = 10, 2
    first_slice = spike_key(stamp=9, source=3, syn_id=0, copy=0, position=0, n_vp=n_vp, min_delay=d)
    even_thread = spike_key(stamp=15, source=4, syn_id=0, copy=0, position=0, n_vp=n_vp, min_delay=d)
    odd_thread = spike_key(stamp=12, source=1, syn_id=0, copy=0, position=0, n_vp=n_vp, min_delay=d)
    assert first_slice < even_thread < odd_thread
    assert thread_of(4, n_vp) == 0 and thread_of(1, n_vp) == 1
    assert [segment_of(step, [25, 100], d) for step in (19, 20, 24, 25, 29, 30)] == [0, 0, 0, 1, 1, 0]


def _run(nest, experiment, vps):
    report = probe.Report(verbose=True)
    experiment(nest, report, vps)
    failed = [row for row in report.rows if not row[3]]
    assert report.rows and not failed, failed


def test_connector_sort_matches_nest(nest):
    _run(nest, probe.experiment_connector_sort, (1, 3))


def test_ring_buffer_order_matches_nest(nest):
    _run(nest, probe.experiment_ring_buffer, (1, 2, 4))


def test_gap_junction_order_matches_nest(nest):
    _run(nest, probe.experiment_gap, (1, 3))


def test_recorder_and_get_connections_order_match_nest(nest):
    _run(nest, probe.experiment_recording_order, (1, 2, 4))
