"""The simulation loop: slices of min_delay steps, waveform relaxation, event routing.

NEST 3.10's ``SimulationManager::update_`` in these terms (one process; the
result does not depend on the number of threads):

1. at the start of a slice, deliver the gap-junction coefficients sent by the
   previous slice's update (the neighbours' V at its end, held constant);
2. if gap junctions exist and waveform relaxation is on: Jacobi iterations.
   Every neuron integrates the whole slice with the neighbours' waveforms of
   the previous iteration (its state restored afterwards, its integration
   step size not), then all new waveforms are delivered; stop when no neuron
   changed its V by more than wfr_tol at any step, or after
   wfr_max_iterations (warning);
3. the real update of every node with the last delivered waveforms;
4. spikes go to recorders and into the targets' ring buffers (slot = stamp +
   delay - 1); at the end of a complete slice the update's coefficients are
   kept for step 1 of the next slice.
"""

import os
import sys
import time
import warnings

import numpy as np

from ..codegen import jit
from ..exceptions import BadParameter, KernelException
from .delivery import csr_by_row
from .devices import DCGenerator, Device, SpikeGenerator
from .recorders import Multimeter, SpikeRecorder
from .threads import TaskThreads


_NO_COUNTS = np.zeros((0, 0, 0), np.int64)


class WFRWarning(UserWarning):
    """Waveform relaxation stopped at wfr_max_iterations before converging (NEST logs a warning)."""


class Engine:
    def __init__(self, network, settings):
        self.network = network
        self.settings = settings
        self.rng = np.random.Generator(np.random.PCG64(settings.rng_seed))
        self.clock = 0                 # first step of the current slice
        self.frm = 0                   # first lag still to simulate in the current slice
        self.min_delay = None          # D in steps, frozen by the first Simulate
        self.max_delay = None
        self.ring = 0                  # ring buffer length in steps
        self.pending_gap = None        # coefficients sent by the last complete slice
        self.wfr_iterations = []       # iterations per slice (WFR slices only)
        self.wfr_max_reached = 0
        self._routes_key = None
        self._tasks = TaskThreads()

    @property
    def simulated(self) -> bool:
        return self.min_delay is not None

    @property
    def time_steps(self) -> int:
        return self.clock + self.frm

    # -- delays ----------------------------------------------------------------------
    def delay_extrema(self):
        """(min_delay, max_delay) in steps over all connections, as NEST computes them."""
        if self.min_delay is not None:
            return self.min_delay, self.max_delay
        s = self.settings
        if s.delay_extrema is not None:
            return tuple(int(v) for v in s.grid.delay_steps(s.delay_extrema))
        source, target, weight, delay, syn_id = self.network.connections.arrays()
        gap_ids = [m.syn_id for m in self.network.synapse_models.values() if m.kind == "gap"]
        is_gap = np.isin(syn_id, gap_ids)
        delays = list(delay[~is_gap])
        if is_gap.any():
            # a gap junction registers wfr_comm_interval (resolution without WFR) as its delay
            delays.append(int(s.grid.delay_steps(s.wfr_comm_interval)) if s.use_wfr else 1)
        if not delays:
            return 1, 1
        return int(min(delays)), int(max(delays))

    # -- preparation before every Simulate ----------------------------------------------------
    def prepare(self):
        s, net = self.settings, self.network
        low, high = self.delay_extrema()
        self.min_delay = low
        self.max_delay = max(high, self.max_delay or high)
        self._set_threads()
        grid = s.grid
        D = self.min_delay
        ring = self.max_delay + D
        n_coeff = D * (s.wfr_interpolation_order + 1)
        for block in net.blocks.values():
            k = block.kernel
            block.Q = np.zeros((len(block), len(k.INTERNALS)))
            k.compute_internals(block.P, block.Q, grid.resolution, grid.tics_per_ms, grid.tics_per_step)
            self._init_buffers(block, ring, D, n_coeff)
        self.ring = ring
        key = (net.connections.version, net.structure_version)
        if key != self._routes_key:
            self._build_routes()
            self._routes_key = key
        self._setup_recording()

    def _set_threads(self):
        """One thread per virtual process, at most one per core; plain Python code runs on one."""
        self.threads = 1
        if jit.MODE != "python":
            self.threads = max(1, min(self.settings.total_num_virtual_procs, os.cpu_count() or 1))

    def _init_buffers(self, block, ring, D, n_coeff):
        """NEST's init_buffers_: once per node; later only resized (ring growth, new nodes)."""
        k, n, n_old = block.kernel, len(block), block.n_initialized
        h = self.settings.resolution

        def grow(name, shape, fill=0.0, dtype=np.float64):
            old = getattr(block, name, None)
            new = np.full(shape, fill, dtype)
            if old is not None and n_old:
                if old.ndim == 3 and old.shape[2] != shape[2]:  # ring length changed: keep absolute steps
                    for step in range(self.time_steps, self.time_steps + old.shape[2]):
                        new[:n_old, :, step % shape[2]] = old[:n_old, :, step % old.shape[2]]
                elif old.shape[1:] == shape[1:]:
                    new[:n_old] = old[:n_old]
            setattr(block, name, new)

        grow("STEP", (n,), h)
        grow("CUR", (n, len(k.CURRENT_PORTS)))
        grow("SPIKE_BUF", (n, len(k.SPIKE_PORTS), ring))
        grow("SPIKE_CNT", (n, len(k.SPIKE_PORTS), ring), 0, np.int64)
        grow("CUR_BUF", (n, len(k.CURRENT_PORTS), ring))
        grow("GAP_G", (n,))
        width = n_coeff if k.GAP_JUNCTION else 0
        grow("GAP_C", (n, width))
        grow("NEW_C", (n, width))
        grow("LAST_Y", (n, D if k.GAP_JUNCTION else 0))
        block.SPIKED = np.zeros((n, D), bool)
        block.n_initialized = n

    # -- routing tables --------------------------------------------------------------------
    def _build_routes(self):
        net = self.network
        source, target, weight, delay, syn_id = net.connections.arrays()
        gap_ids = {m.syn_id for m in net.synapse_models.values() if m.kind == "gap"}
        is_gap = np.isin(syn_id, list(gap_ids))
        n_ids = net.size + 2
        kind = np.zeros(n_ids, np.int8)          # 0 unknown, 1 neuron, 2 generator, 3 recorder
        block_of = np.full(n_ids, -1, np.int64)
        row_of = np.full(n_ids, -1, np.int64)
        blocks = list(net.blocks.values())
        for b, block in enumerate(blocks):
            kind[block.ids] = 1
            block_of[block.ids] = b
            row_of[block.ids] = np.arange(len(block))
        for node_id, device in net.devices.items():
            kind[node_id] = 3 if isinstance(device, (SpikeRecorder, Multimeter)) else 2
        self._blocks = blocks

        # neuron -> neuron spikes, one CSR per target block, indexed by source node id
        static = ~is_gap
        self._spike_routes = []
        for b, block in enumerate(blocks):
            sel = static & (kind[source] == 1) & (block_of[target] == b)
            self._spike_routes.append(self._route(block, source[sel], row_of[target[sel]], weight[sel],
                                                  delay[sel], n_ids))
        # generator -> neuron events: each generator's outgoing connections, in creation order
        from_generators = np.nonzero(static & (kind[source] == 2))[0]
        from_generators = from_generators[np.argsort(source[from_generators], kind="stable")]
        generator_ids, starts = np.unique(source[from_generators], return_index=True)
        self._generator_connections = {node_id: np.zeros(0, np.int64) for node_id in net.devices
                                       if kind[node_id] == 2}
        self._generator_connections.update(
            {int(g): part for g, part in zip(generator_ids, np.split(from_generators, starts[1:]))})
        # poisson and dc generators draw or send step by step; spike generators are scheduled at once
        self._stepwise_generators = [(net.devices[node_id], connections)
                                     for node_id, connections in sorted(self._generator_connections.items())
                                     if not isinstance(net.devices[node_id], SpikeGenerator)]
        self._block_of, self._row_of, self._kind = block_of, row_of, kind
        self._connection_arrays = (source, target, weight, delay)
        self._spike_schedule_key = None
        # neuron -> spike_recorder
        self._recorder_sources = {}
        for node_id, device in net.devices.items():
            if isinstance(device, SpikeRecorder):
                sel = static & (target == node_id)
                mask = np.zeros(n_ids, bool)
                mask[source[sel]] = True
                self._recorder_sources[node_id] = mask
        # multimeter -> neuron
        self._multimeter_targets = {}
        for node_id, device in net.devices.items():
            if isinstance(device, Multimeter):
                sel = static & (source == node_id)
                self._multimeter_targets[node_id] = target[sel]
        # gap junctions: coefficients of all gap-capable blocks stacked in block order
        gap_blocks = [b for b, block in enumerate(blocks) if block.kernel.GAP_JUNCTION]
        offset = np.zeros(len(blocks) + 1, np.int64)
        for b, block in enumerate(blocks):
            offset[b + 1] = offset[b] + (len(block) if b in gap_blocks else 0)
        self._gap_blocks = [blocks[b] for b in gap_blocks]
        self._gap_routes = []
        self._has_gap = bool(is_gap.any())
        for b in gap_blocks:
            sel = np.nonzero(is_gap & (block_of[target] == b))[0]
            # NEST delivers per target by synapse model, then source id, then creation order
            order = np.lexsort((source[sel], syn_id[sel]))
            sel = sel[order]
            rows = row_of[target[sel]]
            indptr, by_row = csr_by_row(rows, len(blocks[b]))
            sel = sel[by_row]
            src = source[sel]
            self._gap_routes.append((blocks[b], indptr, offset[block_of[src]] + row_of[src], weight[sel]))

    @staticmethod
    def _route(block, sources, rows, weights, delays, n_ids):
        """CSR over source ids of (target row, port, signed weight, delay)."""
        ports, values = spike_ports(block.kernel, weights)
        order = np.argsort(sources, kind="stable")
        indptr = np.zeros(n_ids + 1, np.int64)
        np.cumsum(np.bincount(sources, minlength=n_ids), out=indptr[1:])
        return indptr, rows[order], ports[order], values[order], delays[order]

    def _setup_recording(self):
        for block in self._blocks:
            block.REC_ROW = np.full(len(block), -1, np.int64)
        recorded = {}
        for node_id, targets in self._multimeter_targets.items():
            for t in targets:
                _, block, row = self.network.locate(int(t))
                recorded.setdefault(id(block), set()).add(row)
        for block in self._blocks:
            rows = sorted(recorded.get(id(block), ()))
            block.REC_ROW[rows] = np.arange(len(rows))
            n_cols = len(block.kernel.ODE_STATE) + len(block.kernel.AUX_STATE) + len(block.kernel.INT_STATE)
            block.REC_BUF = np.zeros((len(rows), self.min_delay, n_cols))

    # -- Simulate -------------------------------------------------------------------------
    def simulate(self, t_ms: float):
        s = self.settings
        if t_ms < 0:
            raise BadParameter("Simulate: the simulation time cannot be negative.")
        if not s.grid.is_on_grid(t_ms):
            raise BadParameter(f"Simulate: {t_ms} ms is not a multiple of the resolution {s.resolution} ms.")
        self.prepare()
        to_do = s.grid.steps(t_ms)
        D = self.min_delay
        progress = _Progress(t_ms, self.time_steps, s) if s.print_time else None
        wfr_used = s.use_wfr and self._has_gap and any(b.uses_wfr.any() for b in self._gap_blocks)
        while to_do > 0:
            frm = self.frm
            to = min(D, frm + to_do)
            if frm == 0 and self.pending_gap is not None:
                self._deliver_gap(self.pending_gap)
                self.pending_gap = None
            if wfr_used:
                self._waveform_relaxation(frm)
            self._update_devices(frm, to)
            for block in self._blocks:
                self._update(block, frm, to, wfr=False)
            self._after_update(frm, to)
            if to == D:
                if self._has_gap:
                    self.pending_gap = [block.NEW_C.copy() for block in self._gap_blocks]
                self.clock += D
                self.frm = 0
            else:
                self.frm = to
            to_do -= to - frm
            if progress:
                progress.show(self.time_steps)
        if progress:
            progress.done()

    def _update(self, block, frm, to, wfr):
        """Every neuron of ``block`` over lags [frm, to); True if a WFR pass changed some V by more than tol."""
        s, k = self.settings, block.kernel
        block.SPIKED[:] = False
        arguments = (self.clock, frm, to, wfr, s.wfr_interpolation_order, s.wfr_tol, s.resolution, self.ring,
                     block.Y, block.AUX, block.INT, block.P, block.Q, block.STEP, block.CUR,
                     block.SPIKE_BUF, block.SPIKE_CNT, block.CUR_BUF, block.GAP_G, block.GAP_C, block.NEW_C,
                     block.LAST_Y, block.SPIKED, block.REC_ROW, block.REC_BUF)
        changed = self._tasks.run(self.threads, len(block), k.LANES,
                                  lambda first, last: k.update_task(first, last, *arguments))
        return changed > 0

    def _waveform_relaxation(self, frm):
        s = self.settings
        D = self.min_delay
        for iteration in range(1, s.wfr_max_iterations + 1):
            exceeded = False
            for block in self._gap_blocks:
                if block.uses_wfr.any():
                    exceeded |= bool(self._update(block, frm, D, wfr=True))
            self._deliver_gap([block.NEW_C for block in self._gap_blocks])
            if not exceeded:
                break
        else:
            self.wfr_max_reached += 1
            t0 = self.clock * s.resolution
            warnings.warn(f"Maximum number of iterations reached at interval {t0:g}-{t0 + D * s.resolution:g} ms",
                          WFRWarning, stacklevel=4)
        self.wfr_iterations.append(iteration)

    def _deliver_gap(self, coefficients):
        stacked = coefficients[0] if len(coefficients) == 1 else np.vstack(coefficients)
        for block, indptr, sources, weights in self._gap_routes:
            deliver = block.kernel.deliver_gap_coefficients
            arguments = (indptr, sources, weights, stacked, block.GAP_G, block.GAP_C)
            n = len(indptr) - 1
            if len(weights) * stacked.shape[1] > 100_000:  # threads only where the work pays for them
                self._tasks.run(self.threads, n, 64, lambda first, last: deliver(first, last, *arguments))
            else:
                deliver(0, n, *arguments)

    def _update_devices(self, frm, to):
        """Generators send the events of steps [frm, to) into their targets' ring buffers."""
        grid = self.settings.grid
        for device, connections in self._stepwise_generators:
            index, stamps, factor, multiplicity = device.emit(self.clock, frm, to, grid, self.rng, len(connections))
            self._route_events(connections[index], stamps, factor, multiplicity,
                               current=isinstance(device, DCGenerator))
        stamps, connection, factor, multiplicity = self._spike_schedule()
        first, last = np.searchsorted(stamps, [self.clock + frm, self.clock + to], side="right")
        if last > first:
            self._route_events(connection[first:last], stamps[first:last], factor[first:last],
                               multiplicity[first:last])

    def _spike_schedule(self):
        """All spike-generator events (stamp, connection, factor, multiplicity), by stamp.

        Rebuilt when connections or any device's status changed."""
        key = (self._routes_key, Device.changes)
        if key != self._spike_schedule_key:
            devices = [(node_id, self.network.devices[node_id]) for node_id in sorted(self._generator_connections)
                       if isinstance(self.network.devices[node_id], SpikeGenerator)]
            parts = [d.all_events(self.settings.grid, len(self._generator_connections[node_id]))
                     for node_id, d in devices]
            connection = np.concatenate([self._generator_connections[node_id][p[0]]
                                         for (node_id, _), p in zip(devices, parts)] or [np.zeros(0, np.int64)])
            stamps = np.concatenate([p[1] for p in parts] or [np.zeros(0, np.int64)])
            factor = np.concatenate([p[2] for p in parts] or [np.zeros(0)])
            multiplicity = np.concatenate([p[3] for p in parts] or [np.zeros(0, np.int64)])
            order = np.argsort(stamps, kind="stable")
            self._spike_schedule_cache = (stamps[order], connection[order], factor[order], multiplicity[order])
            self._spike_schedule_key = key
        return self._spike_schedule_cache

    def _route_events(self, c, stamps, factor, multiplicity, current=False):
        """Events over connections ``c`` into their targets: neurons' ring buffers, spike recorders."""
        if len(c) == 0:
            return
        source, target, weight, delay = self._connection_arrays
        to_recorder = self._kind[target[c]] == 3
        if to_recorder.any():  # a recorder registers each spike of a multiplicity separately
            for recorder_id in np.unique(target[c[to_recorder]]):
                mine = to_recorder & (target[c] == recorder_id)
                count = multiplicity[mine]
                recorder = self.network.devices[int(recorder_id)]
                if isinstance(recorder, SpikeRecorder):
                    recorder.record(np.repeat(source[c[mine]], count), np.repeat(stamps[mine], count),
                                    self.settings.grid)
            keep = ~to_recorder
            c, stamps, factor = c[keep], stamps[keep], factor[keep]
        slots = (stamps + delay[c] - 1) % self.ring
        target_block = self._block_of[target[c]]
        for b in np.unique(target_block):
            mine = target_block == b
            block, rows = self._blocks[b], self._row_of[target[c[mine]]]
            if current:
                block.kernel.add_to_rings(rows, np.zeros(len(rows), np.int64), slots[mine],
                                          factor[mine] * weight[c[mine]], block.CUR_BUF, _NO_COUNTS)
            else:
                # NEST's event weight: connection weight times multiplicity (or spike weight)
                ports, values = spike_ports(block.kernel, weight[c[mine]] * factor[mine])
                block.kernel.add_to_rings(rows, ports, slots[mine], values, block.SPIKE_BUF, block.SPIKE_CNT)

    def _after_update(self, frm, to):
        """Spikes to recorders and ring buffers; samples to multimeters."""
        grid = self.settings.grid
        senders, stamps = [], []
        for block in self._blocks:
            rows, lags = np.nonzero(block.SPIKED[:, :to])  # node by node, in time order: NEST's order
            if len(rows):
                stamp = self.clock + lags + 1
                block.t_spike[rows] = grid.ms(stamp)
                senders.append(block.ids[rows])
                stamps.append(stamp)
        if senders:
            senders, stamps = np.concatenate(senders), np.concatenate(stamps)
            order = np.argsort(senders, kind="stable")
            senders, stamps = senders[order], stamps[order]
            for node_id, mask in self._recorder_sources.items():
                sel = mask[senders]
                if sel.any():
                    self.network.devices[node_id].record(senders[sel], stamps[sel], grid)
            for block, (indptr, rows, ports, values, delays) in zip(self._blocks, self._spike_routes):
                starts, ends = indptr[senders], indptr[senders + 1]
                counts = ends - starts
                if counts.sum() == 0:
                    continue
                idx = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)])
                spike_stamp = np.repeat(stamps, counts)
                slots = (spike_stamp + delays[idx] - 1) % self.ring
                block.kernel.add_to_rings(rows[idx], ports[idx], slots, values[idx], block.SPIKE_BUF,
                                          block.SPIKE_CNT)
        for node_id, targets in self._multimeter_targets.items():
            device = self.network.devices[node_id]
            lags = device.sample_lags(self.clock, frm, to, grid)
            columns = self._record_columns(device)
            chunk_senders, chunk_stamps, chunk_values = [], [], []
            for t in targets:  # in the order they were connected, as NEST stores them
                _, block, row = self.network.locate(int(t))
                r = block.REC_ROW[row]
                cols = columns[id(block.kernel)]
                chunk_senders.append(np.full(len(lags), t))
                chunk_stamps.append(self.clock + lags + 1)
                chunk_values.append(block.REC_BUF[r][lags][:, cols])
            if chunk_senders:
                device.collect(self.clock, np.concatenate(chunk_senders), np.concatenate(chunk_stamps),
                               np.concatenate(chunk_values), grid)

    def _record_columns(self, device):
        names = list(device.params["record_from"])
        columns = {}
        for block in self._blocks:
            k = block.kernel
            all_columns = list(k.ODE_STATE) + list(k.AUX_STATE) + list(k.INT_STATE)
            recordable = sorted(list(k.ODE_STATE) + list(k.AUX_STATE))
            for name in names:
                if name not in recordable:
                    raise KernelException(f"{device.model} with node ID {device.node_id}: '{name}' is not "
                                          f"a recordable of the target model; recordables: "
                                          f"{', '.join(recordable)}")
            columns[id(k)] = [all_columns.index(n) for n in names]
        return columns


def spike_ports(kernel, weights):
    """Port index and value per spike weight, NESTML's routing (see SPIKE_PORTS of the kernel).

    With an inhibitory port, negative weights go there with their sign flipped;
    everything else goes to the first other spike port with its sign kept.
    """
    names = [q for _, q in kernel.SPIKE_PORTS]
    weights = np.asarray(weights, np.float64)
    main = next((k for k, q in enumerate(names) if q != "inhibitory"), 0)
    ports = np.full(len(weights), main, np.int64)
    values = weights.copy()
    if "inhibitory" in names:
        negative = weights < 0
        ports[negative] = names.index("inhibitory")
        values[negative] = -weights[negative]
    return ports, values


class _Progress:
    """print_time = True: simulated time, elapsed and remaining wall time.

    On a terminal one line is redrawn; otherwise (logs, CI) a line is printed
    every 10 % of the run.
    """

    def __init__(self, t_ms, start_steps, settings):
        self.total = settings.grid.steps(t_ms)
        self.start = start_steps
        self.settings = settings
        self.t0 = self.last = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.next_decile = 1

    def show(self, now_steps, force=False):
        now = time.perf_counter()
        done = now_steps - self.start
        fraction = done / self.total if self.total else 1.0
        if self.tty and not force and now - self.last < 0.2:
            return
        if not self.tty and not force and fraction * 10 < self.next_decile:
            return
        self.last = now
        self.next_decile = int(fraction * 10) + 1
        elapsed = now - self.t0
        remaining = elapsed / fraction - elapsed if fraction > 0 else float("nan")
        line = (f"[{'#' * int(30 * fraction):<30}] {100 * fraction:5.1f}%  {now_steps * self.settings.resolution:.1f} ms"
                f"  elapsed {elapsed:.1f} s  remaining {remaining:.1f} s")
        sys.stderr.write(f"\r{line} " if self.tty else line + "\n")
        sys.stderr.flush()

    def done(self):
        if self.tty:
            self.show(self.start + self.total, force=True)
            sys.stderr.write("\n")
        elif self.next_decile <= 10:
            self.show(self.start + self.total, force=True)
