"""Neuron models backed by generated kernels, and the arrays that hold their nodes.

A :class:`NeuronModel` is a model file's generated kernel plus model-level
defaults (``SetDefaults``, ``CopyModel``). All nodes whose model shares one
kernel live in one :class:`NeuronBlock`: one row per node in every array, rows
in node-id order, so that a whole population is updated by one compiled call.
"""

import numpy as np

from ..exceptions import BadProperty, NotImplemented, UnaccessedDictionaryEntry, type_mismatch

#: status entries every neuron reports besides its parameters and state (read-only)
_READ_ONLY = ("element_type", "global_id", "local", "model", "node_uses_wfr", "receptor_types",
              "recordables", "t_spike", "thread", "vp")


class NeuronModel:
    """A named neuron model: a generated kernel plus defaults for new nodes."""

    element_type = "neuron"

    def __init__(self, name, kernel, grid):
        self.name = name
        self.kernel = kernel
        self.parameters = [p[0] for p in kernel.PARAMETERS]
        self.units = {row[0]: row[1] for row in (*kernel.PARAMETERS, *kernel.STATE)}
        self.ode_state = list(kernel.ODE_STATE)
        self.aux_state = list(kernel.AUX_STATE)
        self.int_state = list(kernel.INT_STATE)
        self.state = self.ode_state + self.aux_state + self.int_state
        self.recordables = sorted(self.ode_state + self.aux_state)
        self.receptor_types = dict(kernel.RECEPTOR_TYPES)  # spike port -> receptor type (empty: by sign)
        # Defaults and internals that read state see zeros first (NESTML's constructor: the state is not
        # set yet); NESTML's model prototype then initialises its parameters, internals and state again
        # when the resolution is set (calibrate_time), from the first state: both passes, as after
        # nest.resolution = h.
        state = (np.zeros(len(kernel.ODE_STATE)), np.zeros(len(kernel.AUX_STATE)),
                 np.zeros(len(kernel.INT_STATE), np.int64))
        for _ in range(2 if kernel.INIT_READS_STATE else 1):
            self.default_parameters = kernel.default_parameters(*state)
            q = np.zeros((1, len(kernel.INTERNALS)))
            kernel.compute_internals(self.default_parameters[None, :], q, *(row[None, :] for row in state),
                                     grid.resolution, grid.tics_per_ms, grid.tics_per_step)
            state = kernel.initial_state(self.default_parameters, q[0])
        self.default_state = state

    @property
    def supports_gap_junctions(self) -> bool:
        return self.kernel.GAP_JUNCTION is not None

    def copy(self, name):
        clone = object.__new__(NeuronModel)
        clone.__dict__.update(self.__dict__)
        clone.name = name
        clone.default_parameters = self.default_parameters.copy()
        clone.default_state = tuple(row.copy() for row in self.default_state)
        return clone

    def defaults(self) -> dict:
        status = {name: float(v) for name, v in zip(self.parameters, self.default_parameters)}
        for names, row in zip((self.ode_state, self.aux_state, self.int_state), self.default_state):
            status.update({n: (float(v) if row.dtype.kind == "f" else int(v)) for n, v in zip(names, row)})
        status.update(element_type=self.element_type, model=self.name, recordables=list(self.recordables))
        if self.receptor_types:
            status["receptor_types"] = dict(self.receptor_types)
        return status

    def set_defaults(self, params: dict):
        """SetDefaults: validated on copies, applied only if every entry is valid."""
        block = NeuronBlock(self.kernel)
        block.append(np.array([0]), self, uses_wfr=False)
        block.set_status(np.array([0]), [params], lambda i: f"Setting status of model '{self.name}'")
        self.default_parameters = block.P[0].copy()
        self.default_state = (block.Y[0].copy(), block.AUX[0].copy(), block.INT[0].copy())


class NeuronBlock:
    """The nodes of all neuron models sharing one kernel, one row per node.

    Status arrays (parameters P, internals Q, ODE state Y, other real state AUX,
    integer state INT) are attributes; the kernel's other arrays are declared by
    it (``BUFFERS``) and live in :attr:`buffers`, by name.
    """

    def __init__(self, kernel):
        self.kernel = kernel
        self.model_names = []            # model name per row
        self.ids = np.zeros(0, np.int64)
        self.uses_wfr = np.zeros(0, bool)
        self.P = np.zeros((0, len(kernel.PARAMETERS)))
        self.Q = np.zeros((0, len(kernel.INTERNALS)))
        self.Y = np.zeros((0, len(kernel.ODE_STATE)))
        self.AUX = np.zeros((0, len(kernel.AUX_STATE)))
        self.INT = np.zeros((0, len(kernel.INT_STATE)), np.int64)
        self.t_spike = np.zeros(0)
        self.buffers = {}
        self.n_initialized = 0           # rows whose buffers exist (NEST's init_buffers_)

    def __len__(self):
        return len(self.ids)

    def append(self, ids, model, uses_wfr):
        n = len(ids)
        self.ids = np.concatenate([self.ids, ids])
        self.model_names += [model.name] * n
        self.uses_wfr = np.concatenate([self.uses_wfr, np.full(n, uses_wfr)])
        self.P = np.vstack([self.P, np.tile(model.default_parameters, (n, 1))])
        y, aux, ints = model.default_state
        self.Y = np.vstack([self.Y, np.tile(y, (n, 1))])
        self.AUX = np.vstack([self.AUX, np.tile(aux, (n, 1))])
        self.INT = np.vstack([self.INT, np.tile(ints, (n, 1))])
        self.t_spike = np.concatenate([self.t_spike, np.full(n, -1.0)])

    def arrays(self) -> dict:
        """Status arrays and buffers by name (what the kernel's functions take)."""
        return {"Y": self.Y, "AUX": self.AUX, "INT": self.INT, "P": self.P, "Q": self.Q, **self.buffers}

    # -- before every run ---------------------------------------------------------
    def prepare(self, grid, dims, now):
        """Internals from the parameters, and the buffers of ``BUFFERS`` for ``dims`` (sizes of
        "ring", "lags", "coefficients", "recorded"). As NEST's init_buffers_, buffers kept from run
        to run are initialised once per row; ring buffers keep their absolute steps (slot =
        step % ring length) from step ``now`` on when the ring length changes."""
        k = self.kernel
        self.Q = np.zeros((len(self), len(k.INTERNALS)))
        k.compute_internals(self.P, self.Q, self.Y, self.AUX, self.INT, grid.resolution, grid.tics_per_ms,
                            grid.tics_per_step)
        dims = {**dims, "n": len(self)}
        n_old = self.n_initialized
        for name, dtype, shape, initial, kept in k.BUFFERS:
            size = tuple(dims[d] if isinstance(d, str) else d for d in shape)
            new = np.full(size, grid.resolution if initial == "resolution" else initial, dtype)
            old = self.buffers.get(name)
            if kept and old is not None and n_old:
                if "ring" in shape and old.shape[-1] != size[-1]:
                    for step in range(now, now + old.shape[-1]):
                        new[:n_old, ..., step % size[-1]] = old[:n_old, ..., step % old.shape[-1]]
                elif old.shape[1:] == size[1:]:
                    new[:n_old] = old[:n_old]
            self.buffers[name] = new
        self.n_initialized = len(self)

    # -- status ------------------------------------------------------------------
    def _columns(self):
        k = self.kernel
        cols = {name: ("P", j) for j, name in enumerate(p[0] for p in k.PARAMETERS)}
        cols.update({name: ("Y", j) for j, name in enumerate(k.ODE_STATE)})
        cols.update({name: ("AUX", j) for j, name in enumerate(k.AUX_STATE)})
        cols.update({name: ("INT", j) for j, name in enumerate(k.INT_STATE)})
        return cols

    def get_status(self, row: int, model: NeuronModel) -> dict:
        status = {}
        for name, (array, j) in self._columns().items():
            value = getattr(self, array)[row, j]
            status[name] = int(value) if array == "INT" else float(value)
        status.update(element_type="neuron", model=self.model_names[row], node_uses_wfr=bool(self.uses_wfr[row]),
                      recordables=list(model.recordables), t_spike=float(self.t_spike[row]))
        if model.receptor_types:
            status["receptor_types"] = dict(model.receptor_types)
        return status

    def get_values(self, rows, key):
        """One status entry for many rows (fast path for ``nodes.V_m``)."""
        cols = self._columns()
        if key in cols:
            array, j = cols[key]
            values = getattr(self, array)[rows, j]
            return [int(v) for v in values] if array == "INT" else [float(v) for v in values]
        return None

    def set_status(self, rows, params_per_row, describe):
        """Apply one dict per row; all or nothing.

        Values are plain numbers here (random parameters were drawn by the
        caller). ``describe(row)`` names the node in error messages.
        """
        cols = self._columns()
        arrays = {name: getattr(self, name).copy() for name in ("P", "Y", "AUX", "INT")}
        for row, params in zip(rows, params_per_row):
            for key, value in params.items():
                if key == "frozen":
                    if value:
                        raise NotImplemented(f"{describe(row)}: nestgap cannot freeze nodes.")
                    continue
                if key not in cols:
                    valid = ", ".join(sorted(cols))
                    what = "is read-only" if key in _READ_ONLY else "is unknown"
                    raise UnaccessedDictionaryEntry(
                        f"{describe(row)}: the entry '{key}' {what}; the model's settable entries are: {valid}")
                array, j = cols[key]
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    raise type_mismatch(key, value, "double") from None
                if array == "INT":
                    if value != int(value):
                        raise BadProperty(f"{describe(row)}: '{key}' must be an integer, got {value!r}")
                    value = int(value)
                arrays[array][row, j] = value
        touched = np.asarray(rows)
        bad = self.kernel.check_invariants(arrays["P"][touched], arrays["Y"][touched],
                                           arrays["AUX"][touched], arrays["INT"][touched])
        for row, k in zip(touched, bad):
            if k >= 0:
                kind, name, text = self.kernel.INVARIANTS[k]
                array, j = cols[name]
                raise BadProperty(f"{describe(row)}: {name} = {float(arrays[array][row, j])!r} is not "
                                  f"allowed, the model requires {text}.")
        for name, array in arrays.items():
            setattr(self, name, array)
