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
import itertools
import math
import sys
from collections import defaultdict

import numpy as np

from nestgap.simulation.vp_order import (ConnectorTable, connector_sort, device_event_key, gap_key, spike_key,
                                         thread_of)

VPS = (1, 2, 3, 4, 8)
H = 0.1          # ms
D = 10           # min_delay in steps (all delays >= 1 ms)


class Report:
    """Collects checks and, for each, how alternative rules fared.

    ``alternatives`` maps the name of another plausible rule to ``True`` if its
    prediction differs from what NEST did (it is ruled out by this check),
    ``False`` if it would have produced the same numbers although its order is
    different (a coincidence: not ruled out here), or ``None`` if it predicts
    the same order here (the check says nothing about it)."""

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
            vps = sorted({v for v, _, _ in results})
            passed = all(p for _, p, _ in results)
            all_passed &= passed
            names = sorted({a for _, _, alts in results for a, r in alts.items() if r is not None})
            ruled_out = [a for a in names if any(alts.get(a) for _, _, alts in results)]
            open_ = [a for a in names if a not in ruled_out]
            text = ", ".join(ruled_out) + (f" (NOT ruled out: {', '.join(open_)})" if open_ else "")
            print(f"{experiment + ' / ' + rule:<66}{','.join(map(str, vps)):<12}{'ok' if passed else 'FAIL':<8}{text}")
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
        passed, not_stable = 0, 0
        for n, n_src, skew in shapes:
            rng = np.random.default_rng(1000 * n + n_src + skew)
            kernel(nest, n_vp)
            nest.Create("iaf_psc_delta", n_src + 8)
            draw = rng.random(n) ** 3 if skew else rng.random(n)
            sources = (n_src * draw).astype(int) + 1
            targets = rng.integers(n_src + 1, n_src + 9, n)
            label = np.arange(1, n + 1, dtype=float)          # the weight names the connection
            nest.Connect(sources, targets, "one_to_one", {"weight": label, "delay": np.ones(n)})
            blocks = _thread_blocks(nest.GetConnections().get("weight"), targets, n_vp, label)
            ok = True
            for thread, got in blocks.items():
                mine = np.nonzero(targets % n_vp == thread)[0]
                predicted = label[mine][connector_sort(sources[mine])]
                stable = label[mine][np.argsort(sources[mine], kind="stable")]
                ok &= np.array_equal(got, predicted)
                not_stable += not np.array_equal(predicted, stable)
            passed += ok
        report.check("connector sort", "2.1 order after one sort", n_vp, passed == len(shapes),
                     {"stable sort by source": not_stable > 0},
                     detail=f"{passed}/{len(shapes)} connector shapes; {not_stable} connectors differ from a stable sort")
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

    ALTERNATIVES = ("node-id order", "time order", "creation order", "stable connector sort")

    def __init__(self, nest, n_vp, weights):
        self.nest, self.n_vp = nest, n_vp
        self.weights = weights                         # connection label -> weight (default 1.0)
        self.table = ConnectorTable(n_vp)
        self.device_count = defaultdict(int)           # (device, target thread) -> connections so far
        self.emissions = defaultdict(list)             # node -> [(stamp, multiplicity or amplitude)]
        self.outgoing = defaultdict(list)              # node -> [(label, target, syn_id, weight, delay, position)]
        self.kind = {}
        self.n_connections = 0

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
                    if kind == "parrot_neuron":
                        lcid = self.table.position(label)
                        for copy in range(amount):
                            key = spike_key(stamp, source, syn_id, copy, lcid, self.n_vp, D)
                            rules = {"node-id order": spike_key(stamp, source, syn_id, copy, lcid, 1, D),
                                     "time order": (stamp, source, syn_id, copy, label),
                                     "creation order": (label, stamp, copy),
                                     "stable connector sort": spike_key(stamp, source, syn_id, copy, label,
                                                                        self.n_vp, D)}
                            out[target][slot + 1].append((key, rules, label, 1.0))
                    else:
                        key = device_event_key(stamp, source, syn_id, position, D)
                        rules = {"node-id order": key, "time order": (stamp, source, syn_id, 0, label),
                                 "creation order": (label, stamp, 0), "stable connector sort": key}
                        sample = slot + 2 if kind == "dc_generator" else slot + 1
                        out[target][sample].append((key, rules, label, float(amount)))
        return out

    def predicted(self, entries, weights, rule=None):
        """V_m sample from one sample's contributions, in vp_order's order or an alternative ``rule``'s."""
        order = sorted(entries, key=(lambda e: e[0]) if rule is None else (lambda e: e[1][rule]))
        total = ordered_sum(weights.get(label, 1.0) * factor for _, _, label, factor in order)
        return total * P30 if any(self.kind.get(k[2]) == "dc_generator" for k, _, _, _ in entries) else total

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
    dc = net.create("dc_generator", 4)                                 # lo, mid, hi, several steps

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
    # F: spike generators only: (slice, device id, lag, creation) -- not time order
    net.generator_spikes(sg_f[0], [29])
    net.generator_spikes(sg_f[1], [12, 22])
    net.connect(sg_f[1], probes["F"], 19)     # stamps 12, 22 -> slots 30, 40
    net.connect(sg_f[0], probes["F"], 12)     # stamp 29 -> 40
    net.connect(sg_f[2], probes["F"], 19)     # stamps 13, 22, 33 -> 31, 40, 51
    net.connect(sg_f[1], probes["F"], 29)     # stamps 12, 22 -> 40, 50
    net.connect(sg_f[0], probes["F"], 12)
    # G: dc_generator currents, the same rule as F
    net.current_steps(dc[0], 28, 28, 1.0)           # stamp 29
    net.current_steps(dc[1], 21, 21, 1.0)           # stamp 22
    net.current_steps(dc[2], 11, 11, 1.0)           # stamp 12
    net.current_steps(dc[3], 21, 24, 1.0)           # stamps 22 .. 25
    net.connect(dc[3], probes["G"], 16)       # stamp 25 -> slot 40 (and 37 .. 39)
    net.connect(dc[0], probes["G"], 12)       # -> 40
    net.connect(dc[1], probes["G"], 19)       # -> 40
    net.connect(dc[2], probes["G"], 29)       # -> 40
    net.connect(dc[0], probes["G"], 12)       # -> 40
    net.connect(dc[3], probes["G"], 19)       # stamp 22 -> 40 (and 41 .. 43)
    net.connect(dc[1], probes["G"], 19)       # -> 40
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


def experiment_ring_buffer(nest, report, vps):
    dry = [(net, net.contributions()) for net, _, _ in (build_spike_network(nest, n_vp, {}) for n_vp in vps)]
    weights = discriminating_weights(dry, seed=1)
    names = {"A": "3.1 one step: thread, then node id", "B": "3.1/3.2 slices, lags, generators",
             "C": "3.1 synapse id, then lcid", "D": "3.3 multiplicity", "E": "3.1 multapses: lcid (sort)",
             "F": "3.2 spike generators", "G": "3.2 dc_generator currents"}
    for n_vp in vps:
        net, probes, mm = build_spike_network(nest, n_vp, weights)
        nest.Simulate(10.0)
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
            parrot = [e for e in entries if e[0][1] == 1 and e[0][3] == 12]
            merged[stamp] = [e for e in entries if e not in parrot]
            if parrot:
                merged[stamp].append(parrot[0][:3] + (3.0,))
        report.check("ring buffer", "3.3 neuron spike, multiplicity m: m additions", n_vp,
                     all(net.predicted(samples[s], weights) == seen[s] for s in samples),
                     {"one addition of m w": any(net.predicted(merged[s], weights) != seen[s] for s in merged)})
