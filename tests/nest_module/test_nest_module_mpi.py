"""What the MPI run (validation.mpi_gallery) relies on, checked without an MPI build of NEST.

The MPI run itself needs NEST built from source with MPI (about an hour on 2 cores the first
time), so the suite does not run it. Guarded here instead, with the PyPI wheel:

- the module's neuron declares what NEST's exchange of secondary events between ranks needs
  (docs/nest_module.md, "Running on several machines"): it sends and handles GapJunctionEvents,
  takes part in waveform relaxation and sends one coefficient array of NEST's fixed length per
  update;
- the run's own machinery on one process: the deterministic gallery network with NEST's model,
  the module's and nestgap (validation.mpi_rank), each rank's part gathered and compared
  (validation.mpi_gallery), NEST's gallery script edited for the VP count and the module;
- gathering refuses a run with a missing rank, and the comparison sees a changed spike.
"""

import os
import re

import nest
import numpy as np
import pytest

from validation import mpi_gallery, mpi_nest, mpi_rank


def _source(built, suffix):
    (model,) = built.models
    return open(os.path.join(built.build_dir, "src", f"{model}{suffix}")).read()


def test_module_declares_what_the_secondary_event_exchange_needs(built):
    header, code = _source(built, ".h"), _source(built, ".cpp")
    # a gap_junction connection from a neuron on another rank is checked against these
    assert re.search(r"sends_secondary_event\(\s*nest::GapJunctionEvent&\s*\)\s*override", header)
    assert re.search(r"handles_test_event\(\s*nest::GapJunctionEvent&", header)
    assert re.search(r"void handle\(\s*nest::GapJunctionEvent&\s*\)\s*override", header)
    # NEST iterates (and agrees across ranks on convergence) only over nodes that use WFR
    assert re.search(r"bool wfr_update\(.*\)\s*override", header)
    assert code.count("set_node_uses_wfr( nest::kernel().simulation_manager.use_wfr() );") == 2
    # one coefficient array per update, of the length NEST reserves for it in the send buffer
    assert code.count("event_delivery_manager.send_secondary( *this, ge )") == 1
    order = "nest::kernel().simulation_manager.get_wfr_interpolation_order()"
    assert re.findall(r"const size_t interpolation_order = ([^;]+);", code) == [order]
    sizes = re.findall(r"(?:buffer_size|resize\()\s*=?\s*(nest::kernel\(\)\.connection_manager\.get_min_delay\(\)"
                       r"\s*\*[^;]+);", code)
    assert len(sizes) >= 2 and all(re.sub(r"\s+", "", size) in (f"nest::kernel().connection_manager.get_min_delay()*"
                                                                 f"({o}+1)" for o in (order, "interpolation_order"))
                                   for size in sizes), sizes


def _run(tmp_path, simulator, module=None):
    out = tmp_path / f"{simulator}-{'module' if module else 'builtin'}"
    mpi_rank.run({"simulator": simulator, "n_neuron": 40, "simtime": 40.0, "gap_weight": 0.54, "vps": 2,
                  "module": str(module) if module else None, "out": str(out)})
    return mpi_gallery.gather(out, wall_seconds=0.0)


def test_one_process_runs_of_the_mpi_script_agree(built, tmp_path):
    nest.verbosity = nest.VerbosityLevel.ERROR
    reference = _run(tmp_path, "nestgap")
    assert len(reference.times) > 20 and len(reference.ids) == 40
    for module in (None, built.library):
        result = _run(tmp_path, "nest", module)
        assert result.layout == "1 rank x 2 threads"
        assert mpi_gallery.compare(result, reference) == "identical"


def test_comparison_sees_one_changed_spike(tmp_path):
    reference = mpi_gallery.Result(np.array([1.0, 2.0]), np.array([3, 4]), np.array([3, 4]),
                                   np.array([-65.0, -70.0]), 0.0, 0.0, "")
    moved = mpi_gallery.Result(np.array([1.0, 2.05]), np.array([3, 4]), np.array([3, 4]),
                               np.array([-65.0, -70.0]), 0.0, 0.0, "")
    assert mpi_gallery.compare(moved, reference).startswith("DIFFERENT: spikes 2 vs 2, first difference at 2.00 ms")


def _rank_file(out, rank, times, senders, ids):
    np.savez(f"{out}.rank{rank}.npz", times=np.array(times), senders=np.array(senders), ids=np.array(ids),
             v_m=-np.array(ids, dtype=float), num_processes=2, total_num_virtual_procs=2, simulate_seconds=1.5)


def test_gather_merges_the_ranks_and_insists_on_all_of_them(tmp_path):
    out = tmp_path / "run"
    _rank_file(out, 0, [2.0, 1.0], [1, 3], [1, 3])
    with pytest.raises(RuntimeError, match="1 rank files for 2 processes"):
        mpi_gallery.gather(out, 0.0)
    _rank_file(out, 1, [1.0], [2], [2, 4])
    merged = mpi_gallery.gather(out, 0.0)
    assert merged.times.tolist() == [1.0, 1.0, 2.0] and merged.senders.tolist() == [2, 3, 1]
    assert merged.ids.tolist() == [1, 2, 3, 4] and merged.v_m.tolist() == [-1.0, -2.0, -3.0, -4.0]
    assert merged.layout == "2 ranks x 1 thread"


def test_nests_gallery_script_takes_the_vp_count_and_the_module(tmp_path):
    text = mpi_gallery.seed_script("nest", 0.54, 101.0, 2, tmp_path / "m.so", tmp_path / "out")
    assert "\nthreads = 2\n" in text and "\nthreads = 8\n" not in text
    assert f"model = install({str(tmp_path / 'm.so')!r})" in text
    assert "nest.Create(model, n_neuron)" in text and '"hh_psc_alpha_gap"' not in text
    assert text.rstrip().endswith(f"_dump(nest, neurons, sr, {str(tmp_path / 'out')!r}, _simulate_seconds)")


def test_missing_mpi_is_named_with_its_package(monkeypatch):
    monkeypatch.setattr(mpi_nest.shutil, "which", lambda tool: None if tool == "mpirun" else "/usr/bin/" + tool)
    with pytest.raises(RuntimeError, match=r"mpirun not found: install the Debian package openmpi-bin"):
        mpi_nest.check_prerequisites()
