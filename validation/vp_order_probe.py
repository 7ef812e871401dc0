"""Experiments with NEST 3.10 that expose its VP-dependent orders of summation and storage.

Every experiment builds a small deterministic network, runs it in NEST at
1, 2, 3, 4 and 8 virtual processes (one MPI process, T threads) and compares
what NEST returns with the rules of docs/nest_vp_structure.md, as implemented
in nestgap/simulation/vp_order.py:

1. connector sort (rule 2.1): GetConnections lists every thread's connections
   in connector order; the permutation is predicted by ``connector_sort``,
   also after repeated sorts (rule 2.2);
2. ring-buffer order (rules 3.1-3.4): ``iaf_psc_delta`` targets with E_L = 0 and
   tau_m = 1e300 keep exactly the ring-buffer sum of their single arrival step
   as V_m; dc_generator currents are seen in one multimeter sample;
3. gap-junction order (rules 4.1-4.3): ``hh_psc_alpha_gap`` networks whose
   result depends only on the order of one target's gap sum; runs with the same
   predicted order must agree bit for bit, runs with different ones must not;
4. GetConnections, spike_recorder and multimeter ``events`` order (rules 5.1-5.3).

Each check also reports whether a plausible other rule (node-id order,
creation order, ...) would have produced the same numbers, so that a pass is
evidence. Run from the repository root:

    python -m validation.vp_order_probe            # exit 0 only if every rule holds at every VP count

Options: ``--vps 1 2 4`` restricts the VP counts, ``-v`` prints every check.
"""

import argparse
import os
import sys
from collections import defaultdict

import numpy as np

from nestgap.simulation.vp_order import (ConnectorTable, connector_sort, device_event_key, gap_key, segment_of,
                                         spike_key, thread_of)

VPS = (1, 2, 3, 4, 8)
H = 0.1          # ms
D = 10           # min_delay in steps (all delays >= 1 ms)


class Report:
    """Collects checks and, for each, how alternative rules fared.

    ``alternatives`` maps the name of another plausible rule to ``True`` if its
    prediction contradicts what NEST did (it is ruled out), ``"weak"`` if it only
    predicts a difference where NEST gives bitwise identical results (ruled out
    unless floating point coincided), ``False`` if it would have produced the same
    numbers although its order is different (not ruled out here), or ``None`` if it
    predicts the same orders here (the check says nothing about it)."""

    def __init__(self, verbose):
        self.verbose = verbose
        self.rows = []

    def check(self, experiment, rule, n_vp, passed, alternatives=None, detail=""):
        alternatives = dict(alternatives or {})
        self.rows.append((experiment, rule, n_vp, bool(passed), alternatives))
        if self.verbose or not passed:
            status = "ok  " if passed else "FAIL"
            ruled_out = [a for a, r in alternatives.items() if r]
            print(f"  {status} {experiment:<20} {rule:<44} vp={n_vp}"
                  + (f"  rules out: {', '.join(ruled_out)}" if ruled_out else "") + (f"  {detail}" if detail else ""))

    def summary(self):
        """Print one line per rule; True if every check passed."""
        by_rule = defaultdict(list)
        for experiment, rule, n_vp, passed, alternatives in self.rows:
            by_rule[(experiment, rule)].append((n_vp, passed, alternatives))
        print(f"\n{'experiment / rule':<66}{'VPs':<12}{'result':<8}alternative rules ruled out")
        all_passed = True
        for (experiment, rule), results in by_rule.items():
            vps = sorted({str(v) for v, _, _ in results})
            passed = all(p for _, p, _ in results)
            all_passed &= passed
            names = sorted({a for _, _, alts in results for a, r in alts.items() if r is not None})
            strict = [a for a in names if any(alts.get(a) is True for _, _, alts in results)]
            weak = [a for a in names if a not in strict and any(alts.get(a) == "weak" for _, _, alts in results)]
            open_ = [a for a in names if a not in strict and a not in weak]
            text = ", ".join(strict)
            text += f" (unless rounding coincided: {', '.join(weak)})" if weak else ""
            text += f" (NOT ruled out: {', '.join(open_)})" if open_ else ""
            print(f"{experiment + ' / ' + rule:<66}{','.join(vps):<12}{'ok' if passed else 'FAIL':<8}{text}")
        return all_passed


def kernel(nest, n_vp, **settings):
    nest.ResetKernel()
    nest.resolution = H
    nest.total_num_virtual_procs = n_vp
    for key, value in settings.items():
        setattr(nest, key, value)


def ms(steps):
    """Time of a whole number of steps, as NEST writes it (tics_per_step * ms_per_tic)."""
    return round(steps * H, 10)


def ordered_sum(values):
    total = 0.0
    for v in values:
        total += v
    return total


# -- 1. connector sort -----------------------------------------------------------------------

def experiment_connector_sort(nest, report, vps):
    """GetConnections' per-thread blocks are the connectors: check connector_sort on many shapes."""
    shapes = [(n, n_src, skew) for n in (10, 23, 24, 60, 129, 500, 999, 1000, 1500, 6000)
              for n_src in (3, 40) for skew in (False, True)]
    for n_vp in vps:
        passed, not_stable, ports_ok = 0, 0, 0
        for n, n_src, skew in shapes:
            rng = np.random.default_rng(1000 * n + n_src + skew)
            kernel(nest, n_vp)
            nest.Create("iaf_psc_delta", n_src + 8)
            draw = rng.random(n) ** 3 if skew else rng.random(n)
            sources = (n_src * draw).astype(int) + 1
            targets = rng.integers(n_src + 1, n_src + 9, n)
            label = np.arange(1, n + 1, dtype=float)          # the weight names the connection
            nest.Connect(sources, targets, "one_to_one", {"weight": label, "delay": np.ones(n)})
            c = nest.GetConnections()
            blocks = _thread_blocks(c.get("weight"), targets, n_vp, label)
            ok = True
            lcid = {}
            for thread, got in blocks.items():
                mine = np.nonzero(targets % n_vp == thread)[0]
                predicted = label[mine][connector_sort(sources[mine])]
                stable = label[mine][np.argsort(sources[mine], kind="stable")]
                ok &= np.array_equal(got, predicted)
                not_stable += not np.array_equal(predicted, stable)
                lcid.update((w, i) for i, w in enumerate(predicted))
            ports_ok += all(port == lcid[w] for port, w in zip(c.get("port"), c.get("weight")))
            passed += ok
        report.check("connector sort", "2.1 order after one sort", n_vp, passed == len(shapes),
                     {"stable sort by source": not_stable > 0},
                     detail=f"{passed}/{len(shapes)} connector shapes; "
                            f"{not_stable} connectors differ from a stable sort")
        report.check("connector sort", "2.3 connection 'port' = lcid", n_vp, ports_ok == len(shapes))
    # wide node-id ranges: spreadsort's binning and its recursion into crowded bins
    for n_vp in vps:
        n, n_src = 20000, 60000
        rng = np.random.default_rng(n_vp)
        kernel(nest, n_vp)
        nest.Create("parrot_neuron", n_src + 8)
        sources = (n_src * rng.random(n) ** 6).astype(int) + 1
        targets = rng.integers(n_src + 1, n_src + 9, n)
        label = np.arange(1, n + 1, dtype=float)
        nest.Connect(sources, targets, "one_to_one", {"weight": label, "delay": np.ones(n)})
        blocks = _thread_blocks(nest.GetConnections().get("weight"), targets, n_vp, label)
        ok, not_stable = True, False
        for thread, got in blocks.items():
            mine = np.nonzero(targets % n_vp == thread)[0]
            ok &= np.array_equal(got, label[mine][connector_sort(sources[mine])])
            not_stable |= not np.array_equal(got, label[mine][np.argsort(sources[mine], kind="stable")])
        report.check("connector sort", "2.1 order after one sort, 60000 sources", n_vp, ok,
                     {"stable sort by source": not_stable})
    # repeated sorts: Create + Simulate re-sorts, an unchanged network does not
    for n_vp in vps:
        ok, changed = True, 0
        for n in (60, 200, 800, 3000):
            rng = np.random.default_rng(n)
            kernel(nest, n_vp)
            nest.Create("iaf_psc_delta", 24)
            table = ConnectorTable(n_vp)
            sources = rng.integers(1, 21, 2 * n)
            targets = rng.integers(21, 25, 2 * n)
            for i in range(n):
                table.add(i + 1, sources[i], targets[i], 0)
            nest.Connect(sources[:n], targets[:n], "one_to_one", {"weight": np.arange(1.0, n + 1), "delay": np.ones(n)})
            table.sort()                                    # GetConnections sorts (connections changed)
            first = _blocks_by_thread(nest, targets[:n], n_vp)
            ok &= first == _table_blocks(table, n_vp)
            nest.Create("iaf_psc_delta", 1)                 # nodes changed: Simulate sorts again
            nest.Simulate(1.0)
            table.sort()
            second = _blocks_by_thread(nest, targets[:n], n_vp)
            ok &= second == _table_blocks(table, n_vp)
            changed += second != first
            nest.Simulate(1.0)                              # nothing changed: no sort
            ok &= _blocks_by_thread(nest, targets[:n], n_vp) == second
            for i in range(n, 2 * n):
                table.add(i + 1, sources[i], targets[i], 0)
            nest.Connect(sources[n:], targets[n:], "one_to_one",
                         {"weight": np.arange(n + 1.0, 2 * n + 1), "delay": np.ones(n)})
            table.sort()
            ok &= _blocks_by_thread(nest, targets, n_vp) == _table_blocks(table, n_vp)
        report.check("connector sort", "2.2 re-sorts (history)", n_vp, ok,
                     {"sorted once": changed > 0 if changed else None},
                     detail=f"a second sort of a sorted connector moved connections in {changed}/4 networks")


def _thread_blocks(weights, targets, n_vp, label):
    """Split GetConnections' weights (connection labels) into the blocks of the threads."""
    thread_of_label = dict(zip(label, targets % n_vp))
    blocks = defaultdict(list)
    for w in weights:
        blocks[thread_of_label[w]].append(w)
    return {t: np.array(b) for t, b in blocks.items()}


def _blocks_by_thread(nest, targets, n_vp):
    c = nest.GetConnections()
    blocks = defaultdict(list)
    for w, t in zip(c.get("weight"), c.get("target")):
        blocks[t % n_vp].append(int(w))
    return dict(blocks)


def _table_blocks(table, n_vp):
    return {t: table.connector(t, 0) for t in range(n_vp) if table.connector(t, 0)}


# -- 2. ring-buffer order -------------------------------------------------------------------

#: iaf_psc_delta that shows each step's ring-buffer sums: P33 = exp(-h/tau_m) = 0, so V_m after step k
#: is the spike sum of slot k plus P30 = tau_m/C_m = 2**-40 times the current sum of slot k - 1 (exact)
PROBE_NEURON = {"E_L": 0.0, "V_m": 0.0, "V_th": 1e300, "V_reset": 0.0, "tau_m": 2.0 ** -40, "C_m": 1.0}
P30 = 2.0 ** -40


class SpikeNetwork:
    """Parrot neurons, generators and probe neurons, with NEST's bookkeeping mirrored.

    Every contribution to a probe neuron's ring buffers is logged with its
    predicted sort key (vp_order) and with the keys of alternative rules, so that
    the sums in all these orders can be compared with NEST's V_m."""

    ALTERNATIVES = ("node-id order", "time order", "creation order", "stable connector sort",
                    "Simulate pieces ignored")

    def __init__(self, nest, n_vp, weights):
        self.nest, self.n_vp = nest, n_vp
        self.weights = weights                         # connection label -> weight (default 1.0)
        self.table = ConnectorTable(n_vp)
        self.device_count = defaultdict(int)           # (device, target thread) -> connections so far
        self.emissions = defaultdict(list)             # node -> [(stamp, multiplicity or amplitude)]
        self.outgoing = defaultdict(list)              # node -> [(label, target, syn_id, weight, delay, position)]
        self.kind = {}
        self.n_connections = 0
        self.driver_links = []                         # (private spike_generator, parrot) in creation order
        self.run_ends = []                             # steps at which Simulate calls ended
        self.source_of = {}                            # connection label -> source node

    def simulate(self, t_ms):
        self.nest.Simulate(t_ms)
        self.run_ends.append(int(round(self.nest.biological_time / H)))

    def create(self, model, n=1, params=None):
        nodes = self.nest.Create(model, n, params=params).tolist()
        self.kind.update((node_id, model) for node_id in nodes)
        return nodes

    def parrot_spikes(self, parrot, stamps, multiplicities=None):
        """Make ``parrot`` emit at ``stamps`` (a private spike_generator, 1 ms before)."""
        (sg,) = self.create("spike_generator")
        params = {"spike_times": [ms(s - D) for s in stamps]}
        if multiplicities is not None:
            params["spike_multiplicities"] = multiplicities
        self.nest.NodeCollection([sg]).set(params)
        self.nest.Connect(self.nest.NodeCollection([sg]), self.nest.NodeCollection([parrot]), "one_to_one",
                          {"delay": ms(D)})
        self.driver_links.append((sg, parrot))
        self.emissions[parrot] += list(zip(stamps, multiplicities or [1] * len(stamps)))

    def generator_spikes(self, sg, stamps, multiplicities=None):
        params = {"spike_times": [ms(s) for s in stamps]}
        if multiplicities is not None:
            params["spike_multiplicities"] = multiplicities
        self.nest.NodeCollection([sg]).set(params)
        self.emissions[sg] += list(zip(stamps, multiplicities or [1] * len(stamps)))

    def current_steps(self, dc, first, last, amplitude):
        """dc_generator ``dc`` sends ``amplitude`` in steps first .. last (stamps first + 1 .. last + 1)."""
        self.nest.NodeCollection([dc]).set({"amplitude": amplitude, "start": ms(first + 1), "stop": ms(last + 2)})
        self.emissions[dc] += [(step + 1, amplitude) for step in range(first, last + 1)]

    def connect(self, source, target, delay, synapse_model="static_synapse"):
        """A connection with the next label; its weight is ``weights[label]``."""
        label = self.n_connections
        self.n_connections += 1
        weight = self.weights.get(label, 1.0)
        syn_id = self.nest.GetDefaults(synapse_model)["synapse_modelid"]
        self.nest.Connect(self.nest.NodeCollection([source]), self.nest.NodeCollection([target]), "one_to_one",
                          {"synapse_model": synapse_model, "weight": weight, "delay": ms(delay)})
        position = None
        if self.kind[source] == "parrot_neuron":
            self.table.add(label, source, target, syn_id)
        else:
            key = (source, thread_of(target, self.n_vp))
            position = self.device_count[key]
            self.device_count[key] += 1
        self.outgoing[source].append((label, target, syn_id, weight, delay, position))
        self.source_of[label] = source

    def contributions(self):
        """probe -> stamp of the V_m sample -> [(key, {rule: key}, label, factor)] after the (one) connector
        sort; the contribution's value is weight * factor (factor: 1, the multiplicity or the amplitude)."""
        self.table.sort()
        out = defaultdict(lambda: defaultdict(list))
        for source, emissions in self.emissions.items():
            kind = self.kind[source]
            for label, target, syn_id, weight, delay, position in self.outgoing[source]:
                if self.kind[target] != "iaf_psc_delta":
                    continue
                for stamp, amount in emissions:
                    slot = stamp + delay - 1
                    piece = segment_of(stamp - 1, self.run_ends, D)
                    if kind == "parrot_neuron":
                        lcid = self.table.position(label)
                        for copy in range(amount):
                            key = spike_key(stamp, source, syn_id, copy, lcid, self.n_vp, D, piece)
                            rules = {"node-id order": spike_key(stamp, source, syn_id, copy, lcid, 1, D, piece),
                                     "time order": (stamp, source, syn_id, copy, label),
                                     "creation order": (label, stamp, copy),
                                     "stable connector sort": spike_key(stamp, source, syn_id, copy, label,
                                                                        self.n_vp, D, piece),
                                     "Simulate pieces ignored": spike_key(stamp, source, syn_id, copy, lcid,
                                                                          self.n_vp, D)}
                            out[target][slot + 1].append((key, rules, label, 1.0))
                    else:
                        key = device_event_key(stamp, source, syn_id, position, D, piece)
                        rules = {"node-id order": key, "time order": (stamp, source, syn_id, 0, label),
                                 "creation order": (label, stamp, 0), "stable connector sort": key,
                                 "Simulate pieces ignored": device_event_key(stamp, source, syn_id, position, D)}
                        sample = slot + 2 if kind == "dc_generator" else slot + 1
                        out[target][sample].append((key, rules, label, float(amount)))
        return out

    def predicted(self, entries, weights, rule=None):
        """V_m sample from one sample's contributions, in vp_order's order or an alternative ``rule``'s."""
        order = sorted(entries, key=(lambda e: e[0]) if rule is None else (lambda e: e[1][rule]))
        total = ordered_sum(weights.get(label, 1.0) * factor for _, _, label, factor in order)
        current = any(self.kind[self.source_of[label]] == "dc_generator" for _, _, label, _ in entries)
        return total * P30 if current else total

    @staticmethod
    def differs(entries, rule):
        """Whether ``rule`` adds these contributions in an order that can give another double than vp_order's
        (orders that differ only in their first two terms cannot: 0 + a + b = 0 + b + a)."""
        def canonical(order):
            terms = [e[2:] for e in order]
            return sorted(terms[:2]) + terms[2:]
        return (canonical(sorted(entries, key=lambda e: e[0]))
                != canonical(sorted(entries, key=lambda e: e[1][rule])))


def discriminating_weights(structures, seed):
    """Weights such that every alternative rule that orders some sample's contributions differently from
    vp_order also gives a different V_m there (drawn per probe until that holds; deterministic).

    ``structures``: per dry run (one per VP count), the network and its probe -> stamp -> contributions."""
    rng = np.random.default_rng(seed)
    weights = {}
    probes = sorted({probe for _, contributions in structures for probe in contributions})
    for probe in probes:
        samples = [(net, entries) for net, contributions in structures for entries in contributions[probe].values()]
        labels = sorted({e[2] for _, entries in samples for e in entries})
        for _ in range(10_000):
            draw = {label: float(rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 2.0) * 2.0 ** rng.integers(0, 4))
                    for label in labels}
            if all(net.predicted(entries, draw) != net.predicted(entries, draw, rule)
                   for net, entries in samples for rule in SpikeNetwork.ALTERNATIVES
                   if SpikeNetwork.differs(entries, rule)):
                break
        else:
            raise RuntimeError(f"no discriminating weights for probe {probe}")
        weights.update(draw)
    return weights


def build_spike_network(nest, n_vp, weights):
    """Scenarios A-G, one probe neuron each (node ids and connection labels identical at every VP count)."""
    rng = np.random.default_rng(7)                                     # padding sources only
    kernel(nest, n_vp)
    nest.CopyModel("static_synapse", "static_copy")
    net = SpikeNetwork(nest, n_vp, weights)
    parrots = net.create("parrot_neuron", 12)                          # ids 1..12
    probes = dict(zip("ABCDEFG", net.create("iaf_psc_delta", 7, PROBE_NEURON)))
    padding = net.create("iaf_psc_delta", 9, PROBE_NEURON)
    sg_f = net.create("spike_generator", 3)                            # increasing ids: lo, mid, hi
    sg_d = net.create("spike_generator")[0]
    dc = net.create("dc_generator", 5)

    emits = {3: [21, 24, 25], 7: [25, 29], 2: [15, 25]}
    for p in parrots[:10]:
        net.parrot_spikes(p, emits.get(p, [25]))
    net.parrot_spikes(11, [21])
    net.parrot_spikes(12, [25], multiplicities=[3])

    # A: ten sources, one step, one slot -> order by (thread, id)
    for p in parrots[:10]:
        net.connect(p, probes["A"], 10)
    # B: lags and slices -> (slice, thread, id, lag); generator events between the slices' spikes
    net.connect(3, probes["B"], 30)           # stamps 21, 24, 25 -> slots 50, 53, 54
    net.connect(3, probes["B"], 27)           # -> 47, 50, 51
    net.connect(7, probes["B"], 22)           # stamps 25, 29 -> 46, 50
    net.connect(2, probes["B"], 36)           # stamps 15, 25 -> 50, 60
    net.connect(11, probes["B"], 30)          # stamp 21 -> 50
    net.generator_spikes(sg_f[2], [13, 22, 33])
    for delay in (38, 25, 18):                      # each of the three generator spikes reaches slot 50 once
        net.connect(sg_f[2], probes["B"], delay)
    # C: two synapse models and a multapse -> (.., syn_id, .., lcid)
    net.connect(5, probes["C"], 10)
    net.connect(5, probes["C"], 10, "static_copy")
    net.connect(4, probes["C"], 10, "static_copy")
    net.connect(6, probes["C"], 10)
    net.connect(5, probes["C"], 10)
    # D: multiplicity 3 through a parrot (three additions) and straight from a generator (one addition)
    net.connect(12, probes["D"], 10)
    net.connect(1, probes["D"], 10)
    net.generator_spikes(sg_d, [25], multiplicities=[3])
    net.connect(sg_d, probes["D"], 10)
    # E: multapses of parrot 9 inside large connectors (padding): the unstable sort decides their order
    net.connect(9, probes["E"], 10)
    for i in range(150):
        net.connect(int(rng.choice([9, 8, 9, 1, 9, 4])), padding[i % 9], 10)
        if i == 70:
            net.connect(9, probes["E"], 10)
        if i == 110:
            net.connect(8, probes["E"], 10)
    net.connect(9, probes["E"], 10)
    # F: spike generators only: (slice, Simulate piece, device id, lag, creation) -- not time order
    net.generator_spikes(sg_f[0], [23])
    net.generator_spikes(sg_f[1], [12, 22, 28])
    net.connect(sg_f[1], probes["F"], 19)           # stamps 12, 22, 28 -> slots 30, 40, 46
    net.connect(sg_f[0], probes["F"], 18)           # stamp 23 -> 40
    net.connect(sg_f[2], probes["F"], 19)           # stamps 13, 22, 33 -> 31, 40, 51
    net.connect(sg_f[1], probes["F"], 29)           # -> 40, 50, 56
    net.connect(sg_f[0], probes["F"], 18)           # -> 40
    net.connect(sg_f[1], probes["F"], 13)           # -> 24, 34, 40 (second piece of slice 2)
    # G: dc_generator currents, the same rule as F
    net.current_steps(dc[0], 23, 23, 1.0)           # stamp 24
    net.current_steps(dc[1], 21, 21, 1.0)           # stamp 22
    net.current_steps(dc[2], 26, 26, 1.0)           # stamp 27 (second piece of slice 2)
    net.current_steps(dc[3], 21, 24, 1.0)           # stamps 22 .. 25
    net.current_steps(dc[4], 11, 11, 1.0)           # stamp 12
    net.connect(dc[3], probes["G"], 16)             # stamp 25 -> slot 40 (and 37 .. 39)
    net.connect(dc[0], probes["G"], 17)             # -> 40
    net.connect(dc[1], probes["G"], 19)             # -> 40
    net.connect(dc[2], probes["G"], 14)             # -> 40
    net.connect(dc[0], probes["G"], 17)             # -> 40
    net.connect(dc[3], probes["G"], 19)             # stamp 22 -> 40 (and 41 .. 43)
    net.connect(dc[1], probes["G"], 19)             # -> 40
    net.connect(dc[4], probes["G"], 29)             # -> 40
    mm = net.create("multimeter", 1, {"interval": H, "record_from": ["V_m"]})
    nest.Connect(nest.NodeCollection(mm), nest.NodeCollection(sorted(probes.values())))
    return net, probes, mm[0]


def recorded_v_m(nest, multimeter):
    """probe -> {stamp of the sample: V_m}."""
    events = nest.NodeCollection([multimeter]).get("events")
    out = defaultdict(dict)
    for sender, t, v in zip(events["senders"], events["times"], events["V_m"]):
        out[int(sender)][int(round(t / H))] = float(v)
    return out


RUN_ENDS = (25, 100)     # two Simulate calls: 2.5 ms, then 7.5 ms


def experiment_ring_buffer(nest, report, vps):
    dry = []
    for n_vp in vps:
        net, _, _ = build_spike_network(nest, n_vp, {})
        net.run_ends = list(RUN_ENDS)
        dry.append((net, net.contributions()))
    weights = discriminating_weights(dry, seed=1)
    names = {"A": "3.1 one step: thread, then node id", "B": "3.1/3.2 slices, lags, generators",
             "C": "3.1 synapse id, then lcid", "D": "3.3 multiplicity", "E": "3.1 multapses: lcid (sort)",
             "F": "3.2 spike generators", "G": "3.2 dc_generator currents"}
    for n_vp in vps:
        net, probes, mm = build_spike_network(nest, n_vp, weights)
        for end in RUN_ENDS:                           # slice 2 (steps 20..29) is cut after step 24
            net.simulate(ms(end) - nest.biological_time)
        assert net.run_ends == list(RUN_ENDS)
        contributions = net.contributions()
        recorded = recorded_v_m(nest, mm)
        for scenario, probe in probes.items():
            samples, seen = contributions[probe], recorded[probe]
            ok = set(samples) <= set(seen) and all(
                v == (net.predicted(samples[stamp], weights) if stamp in samples else 0.0)
                for stamp, v in seen.items())
            verdict = {}
            for rule in SpikeNetwork.ALTERNATIVES:
                differs = [stamp for stamp, entries in samples.items() if SpikeNetwork.differs(entries, rule)]
                verdict[rule] = (any(net.predicted(samples[s], weights, rule) != seen[s] for s in differs)
                                 if differs else None)
            report.check("ring buffer", f"{names[scenario]} [{scenario}]", n_vp, ok, verdict)
        # D: a parrot's multiplicity 3 arrives as three additions of w, a generator's as one of 3 w
        samples, seen = contributions[probes["D"]], recorded[probes["D"]]
        merged = {}
        for stamp, entries in samples.items():
            parrot = [e for e in entries if net.source_of[e[2]] == 12]
            merged[stamp] = [e for e in entries if e not in parrot]
            if parrot:
                merged[stamp].append(parrot[0][:3] + (3.0,))
        report.check("ring buffer", "3.3 neuron spike, multiplicity m: m additions", n_vp,
                     all(net.predicted(samples[s], weights) == seen[s] for s in samples),
                     {"one addition of m w": any(net.predicted(merged[s], weights) != seen[s] for s in merged)})


# -- 3. gap-junction order ------------------------------------------------------------------

GAP_DRIVE = {"T": (250.0, -65.0), "A": (0.0, -70.0), "B": (500.0, -60.0), "C": (100.0, -68.0),  # I_e, V_m
             "D": (50.0, -62.0)}


class GapRun:
    """One realisation of a small gap network: roles placed on node ids, pairs connected in some order.

    The V_m traces of the roles depend on node ids, threads and creation order
    only through the orders of their gap sums; ``order(rule)`` predicts those."""

    def __init__(self, nest, n_vp, ids, connects, n_nodes=None, use_wfr=True, t_sim=2.0, drive=GAP_DRIVE):
        """``ids``: role -> node id; ``connects``: [(a, b, synapse model, weight)] in creation order, a and b
        roles or (padding) node ids; each is one one_to_one Connect with make_symmetric;
        ``drive``: role -> (I_e, initial V_m)."""
        kernel(nest, n_vp, use_wfr=use_wfr)
        nest.CopyModel("gap_junction", "gap_copy")
        nest.Create("hh_psc_alpha_gap", n_nodes or max(ids.values()))
        self.n_vp, self.ids = n_vp, ids
        self.role = {node: role for role, node in ids.items()}
        self.table = ConnectorTable(n_vp)
        self.incoming = defaultdict(list)           # target role -> [(label, source role, syn_id, weight)]
        for role, node in ids.items():
            i_e, v_m = drive[role]
            nest.NodeCollection([node]).set({"I_e": i_e, "V_m": v_m})
        label = 0
        for a, b, model, weight in connects:
            x, y = ids.get(a, a), ids.get(b, b)
            nest.Connect(nest.NodeCollection([x]), nest.NodeCollection([y]),
                         {"rule": "one_to_one", "make_symmetric": True}, {"synapse_model": model, "weight": weight})
            syn_id = nest.GetDefaults(model)["synapse_modelid"]
            for source, target in ((x, y), (y, x)):   # make_symmetric: forward, then the reverse connection
                self.table.add(label, source, target, syn_id)
                if target in self.role:
                    self.incoming[self.role[target]].append((label, self.role.get(source, "pad"), syn_id, weight))
                label += 1
        mm = nest.Create("multimeter", params={"interval": H, "record_from": ["V_m"]})
        nest.Connect(mm, nest.NodeCollection(sorted(ids.values())))
        nest.Simulate(t_sim)
        self.table.sort()
        events = mm.get("events")
        traces = defaultdict(list)
        for s, t, v in sorted(zip(events["senders"], events["times"], events["V_m"]), key=lambda e: (e[0], e[1])):
            traces[self.role[int(s)]].append(float(v))
        self.traces = {role: tuple(v) for role, v in sorted(traces.items())}

    def order(self, rule=None):
        """role -> its gap contributions (source role, weight) in the order of ``rule``.

        rule None: vp_order (syn_id, then lcid after the connector sort); the first two terms are
        written in a canonical order, because 0 + a + b = 0 + b + a."""
        node = {role: n for role, n in self.ids.items()}
        node["pad"] = 0
        keys = {None: lambda e: gap_key(e[2], self.table.position(e[0])),
                "creation order": lambda e: e[0],
                "node-id order, any synapse model": lambda e: (node[e[1]], self.table.position(e[0])),
                "thread, then node id": lambda e: (e[2], thread_of(node[e[1]], self.n_vp), node[e[1]], e[0]),
                "stable connector sort": lambda e: (e[2], node[e[1]], e[0])}
        out = {}
        for role, entries in sorted(self.incoming.items()):
            terms = [(e[1], e[3]) for e in sorted(entries, key=keys[rule])]      # (source role, weight)
            out[role] = tuple(sorted(terms[:2]) + terms[2:])
        return out


GAP_ALTERNATIVES = ("creation order", "node-id order, any synapse model", "thread, then node id",
                    "stable connector sort")


def judge_classes(report, rule, runs):
    """Runs for which vp_order predicts the same orders of all gap sums must give identical traces.

    Evidence: how many different traces the predicted orders produce (at least two are required).
    An alternative rule is ruled out if two runs it puts in one class give different traces, and
    weakly if it separates runs whose traces are bitwise identical."""
    def partition(key):
        groups = defaultdict(set)
        for i, run in enumerate(runs):
            groups[key(run)].add(i)
        return {frozenset(g) for g in groups.values()}
    trace_of = [repr(run.traces) for run in runs]
    by_traces = partition(lambda r: repr(r.traces))
    predicted = partition(lambda r: repr(r.order()))
    consistent = all(len({trace_of[i] for i in group}) == 1 for group in predicted)
    verdict = {}
    for alternative in GAP_ALTERNATIVES:
        grouped = partition(lambda r: repr(r.order(alternative)))
        if grouped == predicted:
            verdict[alternative] = None                     # the same classes: no information
        elif any(len({trace_of[i] for i in group}) > 1 for group in grouped):
            verdict[alternative] = True
        else:
            verdict[alternative] = "weak" if any(a != b for g in by_traces for a in grouped for b in grouped
                                                 if a & g and b & g) else False
    vps = sorted({run.n_vp for run in runs})
    report.check("gap junctions", rule, ",".join(map(str, vps)), consistent and len(by_traces) >= 2, verdict,
                 f"{len(runs)} runs, {len(predicted)} predicted orders, {len(by_traces)} different traces")


def _placements(rng, roles, n_nodes, count):
    """``count`` random placements of ``roles`` on node ids 1..n_nodes."""
    return [dict(zip(roles, (int(i) for i in rng.permutation(np.arange(1, n_nodes + 1))[:len(roles)])))
            for _ in range(count)]


def _pairs_of_vps(vps, i):
    """Two VP counts for the i-th placement (one if only one is tried), cycling through ``vps``."""
    return sorted({vps[i % len(vps)], vps[(i + 1) % len(vps)]})


def experiment_gap(nest, report, vps):
    rng = np.random.default_rng(3)
    # weights whose sums depend on the order: the three sums with a different last term are different doubles
    weights = {"A": 0.7, "B": 1.7320508075688772, "C": 0.30000000000000004}
    # 4.1 ascending source id, independent of threads and creation order (with and without WFR)
    for use_wfr in (True, False):
        runs = []
        for i, ids in enumerate(_placements(rng, "TABC", 4, 9)):
            for n_vp in _pairs_of_vps(vps, i):
                pairs = [("T", x, "gap_junction", weights[x]) for x in rng.permutation(list("ABC"))]
                runs.append(GapRun(nest, n_vp, ids, pairs, use_wfr=use_wfr))
        judge_classes(report, f"4.1 source id order ({'WFR' if use_wfr else 'no WFR'})", runs)
    # 4.1 with a self pair: T's own two T->T connections sit at T's id
    runs = []
    for i, ids in enumerate(_placements(rng, "TAB", 3, 9)):
        for n_vp in _pairs_of_vps(vps, i):
            pairs = [("T", x, "gap_junction", {"T": 0.1, "A": 0.7, "B": 1.7320508075688772}[x])
                     for x in rng.permutation(list("TAB"))]
            runs.append(GapRun(nest, n_vp, ids, pairs))
    judge_classes(report, "4.1 self pair at its source id", runs)
    # 4.2 synapse model first (gap_copy has a larger syn_id than gap_junction), then source id
    copy_weights = {"A": 1.4142135623730951, "B": 0.7, "C": 1.7320508075688772, "D": 0.30000000000000004}
    runs = []
    for i, ids in enumerate(_placements(rng, "TABCD", 5, 9)):
        for n_vp in _pairs_of_vps(vps, i):
            for copy in ("A", str(rng.choice(list("BCD")))):     # which partner is coupled by gap_copy
                pairs = [("T", x, "gap_copy" if x == copy else "gap_junction", copy_weights[x])
                         for x in rng.permutation(list("ABCD"))]
                runs.append(GapRun(nest, n_vp, ids, pairs))
    judge_classes(report, "4.2 synapse id, then source id", runs)
    # 4.3 duplicate pairs T-A (different weights) inside large connectors: the connector sort decides
    runs = []
    for _ in range(8):
        n_pad = int(rng.integers(30, 60))
        n_nodes = 3 + n_pad
        b, t, a = sorted(int(i) for i in rng.choice(np.arange(1, n_nodes + 1), 3, replace=False))
        ids = {"B": b, "T": t, "A": a}                  # B < A: T adds B first, then A's two connections,
        # whose order then matters: (1.7320508075688772 + 0.1) + 0.7 != (1.7320508075688772 + 0.7) + 0.1
        free = [i for i in range(1, n_nodes + 1) if i not in ids.values()]
        connects = [(int(rng.choice(free)), int(rng.choice(free)), "gap_junction", 1.0) for _ in range(n_pad)]
        for position, pair in zip(sorted(rng.integers(0, n_pad, 3), reverse=True),
                                  [("T", "A", "gap_junction", 0.7), ("T", "A", "gap_junction", 0.1),
                                   ("T", "B", "gap_junction", 1.7320508075688772)]):
            connects.insert(int(position), pair)
        for n_vp in vps:
            runs.append(GapRun(nest, n_vp, ids, connects, n_nodes=n_nodes, use_wfr=False))
    judge_classes(report, "4.3 duplicates: order of the connector sort", runs)
    # 4.4 a 24-neuron network (random gap pairs, a self pair, a duplicate pair of different weights) at
    # every VP count: NEST's own results differ between VP counts exactly where the predicted orders do
    rng = np.random.default_rng(11)
    roles = [f"n{i}" for i in range(1, 25)]
    ids = {role: i + 1 for i, role in enumerate(roles)}
    drive = {role: (float(rng.uniform(0.0, 400.0)), float(rng.uniform(-75.0, -55.0))) for role in roles}
    connects = [(roles[a], roles[b], "gap_junction", float(rng.uniform(0.1, 1.0)))
                for a, b in rng.integers(0, 24, (40, 2)) if a != b]
    connects.insert(5, ("n7", "n7", "gap_junction", 0.35))                   # a self pair
    connects.insert(12, ("n3", "n15", "gap_junction", 0.8))                  # a duplicate pair ...
    connects.insert(30, ("n3", "n15", "gap_junction", 0.45))                 # ... of another weight
    runs = [GapRun(nest, n_vp, ids, connects, t_sim=5.0, drive=drive) for n_vp in vps]
    judge_classes(report, "4.4 24 neurons, NEST at different VP counts", runs)


# -- 4. GetConnections, spike_recorder and multimeter order ----------------------------------

def build_recording_network(nest, n_vp):
    """Parrots on all threads spiking at known steps, recorded by a spike_recorder and a multimeter."""
    kernel(nest, n_vp)
    nest.CopyModel("static_synapse", "static_copy")
    net = SpikeNetwork(nest, n_vp, {})
    parrots = net.create("parrot_neuron", 9)                           # 1..9
    probes = net.create("iaf_psc_delta", 5, PROBE_NEURON)              # 10..14
    emits = {1: [14, 32], 2: [14], 3: [14, 27], 4: [33], 5: [15, 16], 6: [14], 7: [21], 8: [14, 40], 9: [25]}
    for p in parrots:
        net.parrot_spikes(p, emits[p], [3 if p == 4 else 1] * len(emits[p]))
    sr = net.create("spike_recorder")[0]
    mm = net.create("multimeter", 1, {"interval": 0.5, "record_from": ["V_m"]})[0]
    nest.Connect(nest.NodeCollection(parrots[4:]), nest.NodeCollection([sr]))
    nest.Connect(nest.NodeCollection(parrots[:4]), nest.NodeCollection([sr]))
    nest.Connect(nest.NodeCollection([parrots[2]]), nest.NodeCollection([sr]))  # parrot 3 recorded twice
    nest.Connect(nest.NodeCollection([mm]), nest.NodeCollection(probes[2:]))
    nest.Connect(nest.NodeCollection([mm]), nest.NodeCollection(probes[:2]))
    for i, p in enumerate(parrots):                                     # neuron -> neuron, two synapse models
        for k in range(3):
            net.connect(p, probes[(i + k) % 5], 10, "static_copy" if (i + k) % 3 == 0 else "static_synapse")
    return net, parrots, probes, sr, mm, emits


def predicted_spike_recorder(n_vp, emits, recorded_by, multiplicity):
    """(sender, stamp) in NEST's order: thread 0's recorder first; within a thread by (slice, node id,
    lag); each of a neuron's recorder connections and each unit of multiplicity writes one entry."""
    rows = []
    for node, stamps in emits.items():
        for stamp in stamps:
            step = stamp - 1
            for copy in range(recorded_by[node] * multiplicity.get(node, 1)):
                rows.append(((thread_of(node, n_vp), step // D, node, step % D, copy), (node, stamp)))
    return [r for _, r in sorted(rows)]


def predicted_multimeter(n_vp, targets_in_connection_order, t_sim, interval_steps):
    """(sender, stamp) in NEST's order: per thread; within a thread per slice (the data of slice k is
    fetched at the start of slice k + 1), per connection in creation order, per sample time."""
    n_slices = int(round(t_sim / H)) // D
    rows = []
    for position, node in enumerate(targets_in_connection_order):
        for stamp in range(interval_steps, (n_slices - 1) * D + 1, interval_steps):
            rows.append(((thread_of(node, n_vp), (stamp - 1) // D, position, stamp), (node, stamp)))
    return [r for _, r in sorted(rows)]


def predicted_block(net, n_vp, thread, syn_id, static_id, to_devices, from_devices, sources=None, targets=None):
    """One thread's block of GetConnections for one synapse model: [(source, target)] (doc rule 5.1).

    The sorted connector (neuron -> neuron) comes first, filtered by ``sources``/``targets``; then the
    device connections (only ``static_id`` here): without filters all connections to devices (by source
    node id, creation order per source) and then all from devices (by device creation order); with a
    source filter both kinds per source; with a target filter the connections from devices per
    target neuron, then those into each target device."""
    endpoints = {label: (source, target) for source, outgoing in net.outgoing.items()
                 for label, target, *_ in outgoing}
    out = [endpoints[label] for label in net.table.connector(thread, syn_id)]
    out = [c for c in out if (sources is None or c[0] in sources) and (targets is None or c[1] in targets)]
    if syn_id != static_id:
        return out
    to_dev = [link for link in sorted(to_devices, key=lambda link: link[0]) if thread_of(link[0], n_vp) == thread]
    from_dev = [link for link in sorted(from_devices, key=lambda link: link[0]) if thread_of(link[1], n_vp) == thread]
    if sources is None and targets is None:
        return out + to_dev + from_dev
    if sources is None:
        devices = {d for _, d in to_devices}
        for t in sorted(targets - devices):
            out += [link for link in from_dev if link[1] == t]
        for d in sorted(targets & devices):
            out += [link for link in to_dev if link[1] == d]
        return out
    for s in sorted(sources):
        out += [link for link in to_dev if link[0] == s] + [link for link in from_dev if link[0] == s]
    return out


def check_get_connections(nest, report, net, n_vp, to_devices, from_devices, repeats, sources=None, targets=None):
    static_id, copy_id = (nest.GetDefaults(m)["synapse_modelid"] for m in ("static_synapse", "static_copy"))
    kwargs = {}
    if sources is not None:
        kwargs["source"] = nest.NodeCollection(sorted(sources))
    if targets is not None:
        kwargs["target"] = nest.NodeCollection(sorted(targets))
    ok, orders = True, set()
    for _ in range(repeats):
        c = nest.GetConnections(**kwargs)
        got = list(zip(c.get("source"), c.get("target"), c.get("synapse_id")))
        position = 0
        for syn_id in sorted((static_id, copy_id)):
            expected = {t: b for t in range(n_vp)
                        if (b := predicted_block(net, n_vp, t, syn_id, static_id, to_devices, from_devices,
                                                 sources, targets))}
            seen = []
            while expected:
                for thread, block in expected.items():
                    if got[position:position + len(block)] == [(s, t, syn_id) for s, t in block]:
                        seen.append(thread)
                        position += len(block)
                        del expected[thread]
                        break
                else:
                    ok = False
                    break
            orders.add(tuple(seen))
        ok &= position == len(got)
    name = "5.1 GetConnections(" + ", ".join(kwargs) + ")"
    report.check("GetConnections", name, n_vp, ok,
                 {"thread blocks in thread order": None if n_vp == 1 else any(list(o) != sorted(o) for o in orders)},
                 f"{len(orders)} different thread orders of blocks in {repeats} calls")


def experiment_recording_order(nest, report, vps, repeats=10):
    for n_vp in vps:
        net, parrots, probes, sr, mm, emits = build_recording_network(nest, n_vp)
        nest.Simulate(5.0)
        net.table.sort()
        events = nest.NodeCollection([sr]).get("events")
        got = [(int(s), int(round(t / H))) for s, t in zip(events["senders"], events["times"])]
        recorded_by = {p: 2 if p == 3 else 1 for p in parrots}
        predicted = predicted_spike_recorder(n_vp, emits, recorded_by, {4: 3})
        by_time = sorted(got, key=lambda r: (r[1], r[0]))
        report.check("recorders", "5.2 spike_recorder events", n_vp, got == predicted,
                     {"sorted by (time, sender)": None if by_time == predicted else by_time != got,
                      "node-id order within a slice": (None if n_vp == 1 else
                                                       predicted_spike_recorder(1, emits, recorded_by, {4: 3}) != got)})
        events = nest.NodeCollection([mm]).get("events")
        got = [(int(s), int(round(t / H))) for s, t in zip(events["senders"], events["times"])]
        order = probes[2:] + probes[:2]
        predicted = predicted_multimeter(n_vp, order, 5.0, 5)
        by_time = sorted(got, key=lambda r: (r[1], r[0]))
        report.check("recorders", "5.3 multimeter events", n_vp, got == predicted,
                     {"sorted by (time, sender)": None if by_time == predicted else by_time != got,
                      "single thread order": (None if n_vp == 1 else predicted_multimeter(1, order, 5.0, 5) != got)})
        # GetConnections: one block per (synapse model, thread); blocks of one model in any thread order
        to_devices = [(p, sr) for p in parrots[4:] + parrots[:4] + [parrots[2]]]
        from_devices = net.driver_links + [(mm, t) for t in order]
        check_get_connections(nest, report, net, n_vp, to_devices, from_devices, repeats)
        check_get_connections(nest, report, net, n_vp, to_devices, from_devices, repeats,
                              sources={3, 4, 5, 6, mm})
        check_get_connections(nest, report, net, n_vp, to_devices, from_devices, repeats,
                              targets={1, 2, 11, 12, sr})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vps", type=int, nargs="+", default=list(VPS), help="VP counts to try")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every check")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # idle OpenMP threads sleep (results unchanged)
    import nest
    nest.verbosity = nest.VerbosityLevel.ERROR
    report = Report(args.verbose)
    for experiment in (experiment_connector_sort, experiment_ring_buffer, experiment_gap,
                       experiment_recording_order):
        print(f"{experiment.__name__} ...", flush=True)
        experiment(nest, report, tuple(args.vps))
    passed = report.summary()
    print("\nall rules hold at every VP count tried" if passed else "\nSOME RULES FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
