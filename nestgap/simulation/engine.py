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

from ..exceptions import BadParameter
from .devices import Device
from .neuron_draws import NeuronDraws
from .routing import build_routing, spike_ports
from .threads import TaskThreads

_NO_COUNTS = np.zeros((0, 0, 0), np.int64)


class WFRWarning(UserWarning):
    """Waveform relaxation stopped at wfr_max_iterations before converging (NEST logs a warning)."""


class Engine:
    def __init__(self, network, settings, delays, streams):
        self.network = network
        self.settings = settings
        self.delays = delays           # the kernel's DelayChecker (frozen by the first Simulate)
        self.streams = streams         # () -> the kernel's RandomStreams
        self.clock = 0                 # first step of the current slice
        self.frm = 0                   # first lag still to simulate in the current slice
        self.ring = 0                  # ring buffer length in steps
        self.pending_gap = None        # coefficients sent by the last complete slice
        self.gap_delivered = {}        # id(gap block) -> coefficients delivered, summed at its next update
        self._spare_c = {}             # id(gap block) -> its second array of sent coefficients
        self._stepwise = (None, [])    # (routing, its stepwise devices by id: (node id, connections, targets, device))
        self._share_arrays = {}        # threads -> (bounds, counters): how threads share a block out
        self.wfr_iterations = []       # iterations per slice (WFR slices only)
        self.wfr_max_reached = 0
        self.routing = None
        self._routing_key = None
        self._schedule_key = (None, None)   # (routing, Device.changes) the schedule was made for
        self._deliveries = (None, None)     # (that schedule, its events' ring-buffer additions by block)
        self._slice_spikes = []        # (senders, stamps) of the current slice, in emission order
        self._tasks = TaskThreads()

    @property
    def simulated(self) -> bool:
        return self.delays.frozen is not None

    @property
    def time_steps(self) -> int:
        return self.clock + self.frm

    # -- preparation before every Simulate ----------------------------------------------------
    def prepare(self):
        s, net = self.settings, self.network
        self.delays.freeze()
        D, max_delay = self.delays.frozen
        self.ring = max_delay + D
        if net.connectors is None or net.nodes_changed or net.connections_changed:
            net.update_connection_infrastructure()
        key = (net.connections.version, net.structure_version, net.connectors.version)
        if key != self._routing_key:
            self.routing = build_routing(net)
            self.neuron_draws = NeuronDraws(self.routing.blocks)
            self._routing_key = key
        routing = self.routing
        # OS threads: one per virtual process, at most one per core (or $NESTGAP_NUM_THREADS); the
        # results depend on the virtual processes only
        cap = int(os.environ.get("NESTGAP_NUM_THREADS") or os.cpu_count() or 1)
        self.threads = max(1, min(s.total_num_virtual_procs, os.cpu_count() or 1, cap))
        if any(block.kernel.COMPILED == "python" for block in routing.blocks):
            self.threads = 1  # plain Python code holds the GIL
        recorded = {id(block): set() for block in routing.blocks}
        for targets in routing.sampler_targets.values():
            for t in targets:
                recorded[id(routing.blocks[routing.block_of[t]])].add(int(routing.row_of[t]))
        coefficients = D * (s.wfr_interpolation_order + 1)
        for block in routing.blocks:
            rows = sorted(recorded[id(block)])
            block.prepare(s.grid, {"ring": self.ring, "lags": D, "coefficients": coefficients,
                                   "recorded": len(rows)}, self.time_steps)
            block.buffers["REC_ROW"][rows] = np.arange(len(rows))
        for node_id, targets in routing.sampler_targets.items():
            self.network.devices[node_id].attach(
                [(int(t), routing.blocks[routing.block_of[t]], int(routing.row_of[t])) for t in targets],
                self.time_steps)

    # -- Simulate -------------------------------------------------------------------------
    def simulate(self, t_ms: float):
        s = self.settings
        if t_ms < 0:
            raise BadParameter("Simulate: the simulation time cannot be negative.")
        if not s.grid.is_on_grid(t_ms):
            raise BadParameter(f"The simulation time must be a multiple of the simulation resolution "
                               f"({t_ms} ms, resolution {s.resolution} ms).")
        self.prepare()
        routing = self.routing
        to_do = s.grid.steps(t_ms)
        D = self.delays.frozen[0]
        progress = _Progress(t_ms, self.time_steps, s) if s.print_time else None
        wfr_used = s.use_wfr and routing.has_gap and any(b.uses_wfr.any() for b in routing.gap_blocks)
        streams = self.streams()
        streams.check_rng_synchrony()  # as NEST, before and (if there are steps) after every run
        while to_do > 0:
            frm = self.frm
            to = min(D, frm + to_do)
            if frm == 0 and self.pending_gap is not None:
                self._deliver_gap(self.pending_gap)
                self.pending_gap = None
            if wfr_used:
                self._waveform_relaxation(frm, to)
            self._update_devices(frm, to)
            for block in routing.blocks:
                self._update(block, frm, to, wfr=False)
            self._after_update(frm, to)
            if to == D:
                self._deliver_spikes()
                if routing.has_gap:
                    self.pending_gap = self._sent_gap_coefficients()
                self.clock += D
                self.frm = 0
            else:
                self.frm = to
            to_do -= to - frm
            if progress:
                progress.show(self.time_steps)
        if s.grid.steps(t_ms) > 0:
            streams.check_rng_synchrony()
        if progress:
            progress.done()

    def _update(self, block, frm, to, wfr):
        """Every neuron of ``block`` over lags [frm, to); True if a WFR pass changed some V by more than tol."""
        s, k = self.settings, block.kernel
        block.buffers["SPIKED"][:] = False
        threads = min(self.threads, -(-len(block) // k.LANES))
        bounds, counters = self._shares(threads)
        named = {"origin": self.clock, "frm": frm, "to": to, "wfr": wfr,
                 "order": s.wfr_interpolation_order, "tol": s.wfr_tol, "h": s.resolution, "ring": self.ring,
                 "BOUNDS": bounds, "NEXT": counters, **block.arrays()}
        if k.GAP_JUNCTION:
            route = self.routing.gap_routes[self.routing.gap_blocks.index(block)]
            delivered = self.gap_delivered.pop(id(block), None)
            if route.nonzero is not None and delivered is not None and np.isfinite(delivered).all():
                route = route.nonzero  # the same sums without the terms w * c = +-0
            named.update(GAP_INDPTR=route.indptr, GAP_SOURCES=route.sources, GAP_WEIGHTS=route.weights,
                         GAP_IN=np.zeros((0, 1)) if delivered is None else delivered)
        arguments = [named[name] for name in k.UPDATE_ARGUMENTS]
        return self._tasks.together(threads, k.update_task_lead, k.update_task_follow, arguments) > 0

    def _shares(self, threads):
        """The arrays by which ``threads`` threads share the neurons of a block out: bounds and
        counters of the shares, which the kernel's ``update_task_lead`` fills before each pass
        (nestgap/codegen/team.py: ranges of consecutive neurons of about equal cost in the last
        pass). A thread takes its own share first, dearest first, then the others' (results do not
        depend on the order): a neuron moves to another core when the ranges move or a thread's
        lanes have run out of their own neurons."""
        arrays = self._share_arrays.get(threads)
        if arrays is None:
            arrays = (np.zeros(threads + 1, np.int64), np.zeros(8 * threads, np.int64))
            self._share_arrays[threads] = arrays
        return arrays

    def _waveform_relaxation(self, frm, to):
        """WFR iterations over the whole slice (also when its real update ends at lag ``to`` < D)."""
        s, routing = self.settings, self.routing
        D = self.delays.frozen[0]
        for iteration in range(1, s.wfr_max_iterations + 1):
            exceeded = False
            for block in routing.gap_blocks:
                if block.uses_wfr.any():
                    exceeded |= bool(self._update(block, frm, D, wfr=True))
            self._deliver_gap(self._sent_gap_coefficients())
            if not exceeded:
                break
        else:
            self.wfr_max_reached += 1
            t0 = self.clock * s.resolution
            warnings.warn(f"Maximum number of iterations reached at interval {t0:g}-{t0 + to * s.resolution:g} ms",
                          WFRWarning, stacklevel=4)
        self.wfr_iterations.append(iteration)

    def _sent_gap_coefficients(self):
        """The coefficients the gap blocks' last pass sent (rows of every gap block's neurons,
        stacked), kept apart from what the next pass writes while its neurons sum these: a
        copy, or with one gap block the array itself, the block writing into a second one (a
        pass rewrites every row of NEW_C)."""
        blocks = self.routing.gap_blocks
        if len(blocks) > 1:
            return np.vstack([block.buffers["NEW_C"] for block in blocks])
        block = blocks[0]
        sent, spare = block.buffers["NEW_C"], self._spare_c.get(id(block))
        block.buffers["NEW_C"] = spare if spare is not None and spare.shape == sent.shape else np.zeros_like(sent)
        self._spare_c = {id(block): sent}  # written again once the pass after next has summed it
        return sent

    def _deliver_gap(self, coefficients):
        """NEST's delivery of gap-junction coefficients (``coefficients``: of every gap block's
        neurons, stacked), made by the next update of each gap block: a lane sums a neuron's
        coefficients when it takes the neuron (docs/waveform_relaxation.md)."""
        for block in self.routing.gap_blocks:
            self.gap_delivered[id(block)] = coefficients

    # -- devices -------------------------------------------------------------------------
    def _update_devices(self, frm, to):
        """Generators send the events of lags [frm, to) into their targets' ring buffers: in node-id
        order, each lag by lag, as NEST updates them (docs/nest_vp_structure.md, section 3.2)."""
        grid, routing, streams = self.settings.grid, self.routing, self.streams()
        parts = []
        self.neuron_draws.start(frm, to)  # neurons that draw share their VP's stream with the devices
        if self._stepwise[0] is not routing:
            devices = self.network.devices
            self._stepwise = (routing, [(node_id, connections, routing.target[connections], devices[node_id])
                                        for node_id, connections in sorted(routing.generator_connections.items())
                                        if devices[node_id].role == "stepwise"])
        if not self._stepwise[1] and frm == 0 and to == self.delays.frozen[0] and self._deliver_scheduled():
            self.neuron_draws.draw_rest(streams)
            return
        for node_id, connections, targets, device in self._stepwise[1]:
            self.neuron_draws.draw_below(node_id, streams)
            index, stamps, factor, multiplicity = device.emit(self.clock, frm, to, grid, streams, targets)
            parts.append((node_id, device.event == "current", connections[index], stamps, factor, multiplicity))
        self.neuron_draws.draw_rest(streams)
        device, connection, stamps, factor, multiplicity = self._scheduled_events(frm, to)
        if len(device):
            parts.append((device, False, connection, stamps, factor, multiplicity))
        for current in (False, True):
            mine = [p for p in parts if p[1] == current]
            if len(mine) == 1:
                self._route_events(*mine[0][2:], current=current)
            elif mine:
                ids = np.concatenate([np.broadcast_to(p[0], (len(p[2]),)) for p in mine])
                order = np.argsort(ids, kind="stable")  # device by device; each keeps its own order
                self._route_events(*(np.concatenate([p[k] for p in mine])[order] for k in (2, 3, 4, 5)),
                                   current=current)

    def _deliver_scheduled(self):
        """The scheduled generators' events of this whole slice into their targets' ring buffers, as
        _route_events adds them, from a table made once per schedule (per block: the events' slices
        and additions); False (nothing done) where some go to recorders."""
        routing, schedule = self.routing, self._current_schedule()
        if self._deliveries[0] is not schedule:
            slice_of, _, connection, stamps, factor, multiplicity = schedule
            table = None
            if not routing.to_recorder[routing.target[connection]].any():
                table = [(block, slice_of[mine], *rest) for block, mine, *rest
                         in self._ring_additions(connection, stamps, factor, multiplicity, current=False)]
            self._deliveries = (schedule, table)
        table = self._deliveries[1]
        if table is None:
            return False
        now = self.clock // self.delays.frozen[0]
        for block, slices, rows, ports, steps, values in table:
            first, last = np.searchsorted(slices, [now, now + 1])
            if last > first:
                self._add_to_rings(block, rows[first:last], ports[first:last], steps[first:last],
                                   values[first:last], current=False)
        return True

    def _scheduled_events(self, frm, to):
        """The events of the scheduled generators in lags [frm, to) of this slice: (device, connection,
        stamp, factor, multiplicity), by device, then in each device's order (time, connection)."""
        slice_of, device, connection, stamps, factor, multiplicity = self._current_schedule()
        if len(slice_of) == 0:
            return device, connection, stamps, factor, multiplicity
        D = self.delays.frozen[0]
        first, last = np.searchsorted(slice_of, [self.clock // D, self.clock // D + 1])
        lags = stamps[first:last] - 1 - self.clock
        keep = np.arange(first, last)[(lags >= frm) & (lags < to)]
        return device[keep], connection[keep], stamps[keep], factor[keep], multiplicity[keep]

    def _current_schedule(self):
        """Every event of the scheduled generators: (slice, device, connection, stamp, factor,
        multiplicity), by slice, then device, then in each device's order; made anew when the
        routing or a device changed."""
        if self._schedule_key[0] is not self.routing or self._schedule_key[1] != Device.changes:
            grid, routing = self.settings.grid, self.routing
            parts = []
            for node_id, connections in sorted(routing.generator_connections.items()):
                if self.network.devices[node_id].role == "scheduled":
                    c, stamps, factor, multiplicity = self.network.devices[node_id].all_events(grid, len(connections))
                    parts.append((np.full(len(c), node_id), connections[c], stamps, factor, multiplicity))
            columns = [np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, dtype)
                       for k, dtype in enumerate((np.int64, np.int64, np.int64, np.float64, np.int64))]
            D = self.delays.frozen[0]
            slice_of = (columns[2] - 1) // D
            order = np.lexsort((columns[0], slice_of))  # by slice, then device (stable: its own order)
            self._schedule = (slice_of[order], *(c[order] for c in columns))
            self._schedule_key = (self.routing, Device.changes)
        return self._schedule

    def _route_events(self, c, stamps, factor, multiplicity, current=False):
        """Events over connections ``c`` into their targets: neurons' ring buffers, spike recorders."""
        if len(c) == 0:
            return
        r = self.routing
        to_recorder = r.to_recorder[r.target[c]]
        if to_recorder.any():  # a recorder registers each spike of a multiplicity separately
            for recorder_id in np.unique(r.target[c[to_recorder]]):
                mine = to_recorder & (r.target[c] == recorder_id)
                count = multiplicity[mine]
                self.network.devices[int(recorder_id)].record(np.repeat(r.source[c[mine]], count),
                                                              np.repeat(stamps[mine], count), self.settings.grid)
            keep = ~to_recorder
            c, stamps, factor, multiplicity = c[keep], stamps[keep], factor[keep], multiplicity[keep]
        for block, _, rows, ports, steps, values in self._ring_additions(c, stamps, factor, multiplicity, current):
            self._add_to_rings(block, rows, ports, steps, values, current)

    def _ring_additions(self, c, stamps, factor, multiplicity, current):
        """What events over connections ``c`` add to their targets' ring buffers (events into other
        nodes are left out), block by block, each in the events' order: (block, mask of its events,
        rows, ports, steps, values); an event goes into slot ``step % ring length``."""
        r = self.routing
        steps = stamps + r.delay[c] - 1
        target_block = r.block_of[r.target[c]]
        additions = []
        present = np.flatnonzero(np.bincount(target_block + 1)) - 1  # the target blocks, ascending
        for b in present[present >= 0]:  # -1: generator -> sampler or other device, nothing to deliver
            mine = target_block == b
            block, rows = r.blocks[b], r.row_of[r.target[c[mine]]]
            if current:
                ports, values = np.zeros(len(rows), np.int64), factor[mine] * r.weight[c[mine]]
            else:
                # NEST's event: the connection weight times the spike weight, times the multiplicity
                ports, values = spike_ports(block.kernel, (r.weight[c[mine]] * factor[mine]) * multiplicity[mine],
                                            r.rport[c[mine]])
            additions.append((block, mine, rows, ports, steps[mine], values))
        return additions

    def _add_to_rings(self, block, rows, ports, steps, values, current):
        """Events into ``block``'s ring buffers of currents or spikes, in order: slot ``step % ring length``."""
        buffers = block.buffers
        if current:
            block.kernel.add_to_rings(rows, ports, steps % self.ring, values, buffers["CUR_BUF"], _NO_COUNTS)
        else:
            block.kernel.add_to_rings(rows, ports, steps % self.ring, values, buffers["SPIKE_BUF"], buffers["SPIKE_CNT"])

    def _after_update(self, frm, to):
        """Spikes of lags [frm, to) to spike recorders (now) and kept for their targets (delivered when
        the slice is complete); samples to samplers."""
        grid, routing = self.settings.grid, self.routing
        senders, stamps = [], []
        for block in routing.blocks:
            rows, lags = np.nonzero(block.buffers["SPIKED"][:, :to])  # node by node, in time order
            if len(rows):
                stamp = self.clock + lags + 1
                block.t_spike[rows] = grid.ms(stamp)
                senders.append(block.ids[rows])
                stamps.append(stamp)
        if senders:
            senders, stamps = np.concatenate(senders), np.concatenate(stamps)
            order = np.argsort(senders, kind="stable")  # each thread updates its nodes in id order
            senders, stamps = senders[order], stamps[order]
            for node_id, mask in routing.spike_recorder_sources.items():
                sel = mask[senders]
                if sel.any():
                    self.network.devices[node_id].record(senders[sel], stamps[sel], grid)
            self._slice_spikes.append((senders, stamps))
        for node_id in routing.sampler_targets:
            self.network.devices[node_id].sample(self.clock, frm, to, grid)

    def _deliver_spikes(self):
        """The spikes of the complete slice into their targets' ring buffers, in NEST's order: by
        sending thread, then as each thread emitted them (piece of the slice, node id, lag), each
        over its connections by synapse model and position in the connector
        (docs/nest_vp_structure.md, section 3.1)."""
        if not self._slice_spikes:
            return
        senders = np.concatenate([p[0] for p in self._slice_spikes])
        stamps = np.concatenate([p[1] for p in self._slice_spikes])
        self._slice_spikes = []
        order = np.argsort(senders % self.settings.total_num_virtual_procs, kind="stable")
        senders, stamps = senders[order], stamps[order]
        for route in self.routing.spike_routes:
            starts, ends = route.indptr[senders], route.indptr[senders + 1]
            counts = ends - starts
            if counts.sum() == 0:
                continue
            idx = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)])
            self._add_to_rings(route.block, route.rows[idx], route.ports[idx],
                               np.repeat(stamps, counts) + route.delays[idx] - 1, route.values[idx], current=False)

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
