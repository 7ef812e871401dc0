"""What a NEST test uses: node and synapse models, connection rules, random parameters, space.

Recorded on real NEST only (the baseline run), by wrapping PyNEST's module-level
functions ``Create``, ``Connect``, ``CopyModel``, ``SetDefaults``, ``GetDefaults``
and the ``nest.random`` constructors; each wrapper notes its arguments and calls
the original unchanged. A test is in scope for nestgap if everything it used
exists in nestgap (see classify.py). Names of copied models (``CopyModel``) are
resolved to the model they copy.
"""

import functools
import types

RANDOM_FUNCTIONS = ("uniform", "uniform_int", "normal", "lognormal", "exponential")


class UsageRecorder:
    """Collects ``(kind, name)`` pairs into the current sink; kinds: node, synapse, rule, random, feature."""

    def __init__(self, nest):
        self.nest = nest
        self.copies = {}
        self.sink = set()

    # -- what the wrappers note ----------------------------------------------------
    def add(self, kind, name):
        self.sink.add((kind, name))

    def model(self, name):
        if not isinstance(name, str):
            return
        name = self.copies.get(name, name)
        if name in self.nest.synapse_models:
            self.add("synapse", name)
        elif name in self.nest.node_models:
            self.add("node", name)

    def connect(self, conn_spec, syn_spec):
        rule = conn_spec.get("rule", "all_to_all") if isinstance(conn_spec, dict) else conn_spec or "all_to_all"
        if isinstance(rule, str):
            self.add("rule", rule)
        if isinstance(conn_spec, dict) and "mask" in conn_spec:
            self.add("feature", "spatial")
        specs = getattr(syn_spec, "syn_specs", None) or [syn_spec]  # CollocatedSynapses holds several
        for spec in specs:
            if isinstance(spec, dict):
                self.model(spec.get("synapse_model", "static_synapse"))
            elif spec is None:
                self.model("static_synapse")
            else:
                self.model(spec)

    # -- installing the wrappers -----------------------------------------------------
    def install(self):
        nest = self.nest

        def create(model, n=1, params=None, positions=None):
            self.model(model)
            if positions is not None:
                self.add("feature", "spatial")

        def connect(pre, post, conn_spec=None, syn_spec=None, *args, **kwargs):
            self.connect(conn_spec, syn_spec)

        def copy_model(existing, new, params=None):
            self.model(existing)
            self.copies[new] = self.copies.get(existing, existing)

        def defaults(model, *args, **kwargs):
            self.model(model)

        for name, note in (("Create", create), ("Connect", connect), ("CopyModel", copy_model),
                           ("SetDefaults", defaults), ("GetDefaults", defaults)):
            _wrap(nest, name, note)
        for name in RANDOM_FUNCTIONS:
            _wrap(nest.random, name, functools.partial(self.add, "random", f"nest.random.{name}"),
                  ignore_arguments=True)


def _wrap(module, name, note, ignore_arguments=False):
    """Replace ``module.name`` by a function that calls ``note`` with the arguments, then the original.

    A note that does not fit the call (wrong arguments) is skipped: the original
    then raises NEST's own error.
    """
    original = getattr(module, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        try:
            note() if ignore_arguments else note(*args, **kwargs)
        except TypeError:
            pass
        return original(*args, **kwargs)

    types.ModuleType.__setattr__(module, name, wrapper)  # PyNEST's module refuses ordinary assignment
