"""Models are found by name in the model folders: the shipped ones (package data nestgap.models),
$NESTGAP_MODEL_PATH and nest.Install; nest.Models() lists every model found."""

from nestgap.model_registry import ModelRegistry, shipped_models_folder
from support import ROOT


def test_shipped_models_are_the_repositorys():
    shipped = {p.name for p in shipped_models_folder().glob("*.nestml")}
    assert {"hh_psc_alpha_gap.nestml", "hh_cond_beta_gap_traub.nestml"} <= shipped | {
        p.name for p in (ROOT / "models").glob("*.nestml")}


def test_models_lists_every_model_found(tmp_path, monkeypatch, ng):
    from nestgap.pynest.state import kernel

    text = (ROOT / "models" / "hh_cond_beta_gap_traub.nestml").read_text()
    (tmp_path / "my_traub.nestml").write_text(text.replace("model hh_cond_beta_gap_traub:", "model my_traub:"))
    monkeypatch.setenv("NESTGAP_MODEL_PATH", f"{ROOT / 'models'}:{tmp_path}")
    assert {"hh_psc_alpha_gap", "hh_cond_beta_gap_traub", "my_traub"} <= set(ModelRegistry().names())
    found = set(kernel().models.names())  # the process's registry: also the folders of nest.Install
    nodes = set(ng.Models("nodes"))
    assert nodes - found == {"dc_generator", "multimeter", "poisson_generator", "spike_generator",
                             "spike_recorder", "voltmeter"}
    assert found <= nodes and "my_traub" in nodes
