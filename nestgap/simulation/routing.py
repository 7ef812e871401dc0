"""Where events go: the routing tables of one network, built before a run.

A :class:`Routing` is a frozen view of the connection table, made by
:func:`build_routing` whenever nodes or connections changed: spikes between
neurons (one CSR table per target block, indexed by source id), the outgoing
connections of every generator, which neurons each spike_recorder hears,
which neurons each sampler reads, and the gap-junction coefficients each
neuron sums, in NEST's orders (docs/nest_vp_structure.md, sections 3 and 4).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpikeRoute:
    """Spikes into one block: connections of source id s are entries indptr[s]..indptr[s+1]."""
    block: object
    indptr: np.ndarray
    rows: np.ndarray         # target row in the block
    ports: np.ndarray        # spike port of the target (see spike_ports)
    values: np.ndarray       # weight as the port takes it
    delays: np.ndarray       # steps


@dataclass(frozen=True)
class GapRoute:
    """Gap-junction coefficients into one block: target row t sums entries indptr[t]..indptr[t+1]
    of the coefficients of all gap blocks stacked (rows ``sources``) with ``weights``.

    ``nonzero`` is the same route without the entries of weight 0 (None if there are none):
    it gives the same bits wherever every coefficient is finite, since w * c is then +-0 and
    adding +-0 to a sum that started at +0.0 changes no bit (such a sum is never -0.0)."""
    block: object
    indptr: np.ndarray
    sources: np.ndarray
    weights: np.ndarray
    nonzero: "GapRoute | None" = None


@dataclass(frozen=True)
class Routing:
    blocks: tuple                    # every neuron block, in creation order
    block_of: np.ndarray             # by node id: index into blocks, -1 for devices
    row_of: np.ndarray               # by node id: row in its block
    to_recorder: np.ndarray          # by node id: is a spike_recorder
    source: np.ndarray               # the connection table's columns
    target: np.ndarray
    weight: np.ndarray
    delay: np.ndarray
    rport: np.ndarray
    spike_routes: tuple              # SpikeRoute per block
    generator_connections: dict      # generator id -> its connections (indices), in creation order
    spike_recorder_sources: dict     # spike_recorder id -> mask over node ids of the neurons it hears
    sampler_targets: dict            # sampler id -> the neurons it reads, in connection order
    gap_blocks: tuple                # blocks whose kernel has gap junctions
    gap_routes: tuple                # GapRoute per gap block
    has_gap: bool


def build_routing(network) -> Routing:
    """The routing tables of ``network`` as it is now."""
    source, target, weight, delay, syn_id, rport = network.connections.arrays()
    connectors = network.connectors
    lcid = connectors.lcid if connectors is not None and len(connectors.lcid) == len(source) else \
        np.full(len(source), -1, np.int64)
    gap_ids = [m.syn_id for m in network.synapse_models.values() if m.kind == "gap"]
    is_gap = np.isin(syn_id, gap_ids)
    static = ~is_gap
    n_ids = network.size + 2
    blocks = tuple(network.blocks.values())
    block_of = np.full(n_ids, -1, np.int64)
    row_of = np.full(n_ids, -1, np.int64)
    for b, block in enumerate(blocks):
        block_of[block.ids] = b
        row_of[block.ids] = np.arange(len(block))
    roles = {}
    for node_id, device in network.devices.items():
        roles.setdefault(device.role, []).append(node_id)
    to_recorder = np.zeros(n_ids, bool)
    to_recorder[roles.get("spike_recorder", [])] = True
    from_neuron = block_of[source] >= 0

    spike_routes = []
    for b, block in enumerate(blocks):
        sel = np.flatnonzero(static & from_neuron & (block_of[target] == b))
        sel = sel[np.lexsort((lcid[sel], syn_id[sel], source[sel]))]  # per source as NEST delivers a spike
        spike_routes.append(_spike_route(block, source[sel], row_of[target[sel]], weight[sel], rport[sel], delay[sel],
                                         n_ids))

    generators = sorted(roles.get("stepwise", []) + roles.get("scheduled", []))
    is_generator = np.zeros(n_ids, bool)
    is_generator[generators] = True
    outgoing = np.flatnonzero(static & is_generator[source])
    outgoing = outgoing[np.argsort(source[outgoing], kind="stable")]
    ids, starts = np.unique(source[outgoing], return_index=True)
    generator_connections = {node_id: np.zeros(0, np.int64) for node_id in generators}
    generator_connections.update({int(g): part for g, part in zip(ids, np.split(outgoing, starts[1:]))})

    spike_recorder_sources = {}
    for node_id in roles.get("spike_recorder", []):
        mask = np.zeros(n_ids, bool)
        mask[source[static & (target == node_id)]] = True
        spike_recorder_sources[node_id] = mask
    sampler_targets = {node_id: target[static & (source == node_id)] for node_id in roles.get("sampler", [])}

    gap_blocks = tuple(block for block in blocks if block.kernel.GAP_JUNCTION)
    offset = {}
    total = 0
    for block in gap_blocks:
        offset[id(block)] = total
        total += len(block)
    stacked_row = np.full(n_ids, -1, np.int64)  # by node id: row in the stacked coefficients
    for block in gap_blocks:
        stacked_row[block.ids] = offset[id(block)] + np.arange(len(block))
    gap_routes = []
    for block in gap_blocks:
        sel = np.flatnonzero(is_gap & (block_of[target] == blocks.index(block)))
        # NEST sums per target by synapse model, then position in the connector (sorted by source)
        sel = sel[np.lexsort((lcid[sel], syn_id[sel]))]
        indptr, by_row = _group_by_row(row_of[target[sel]], len(block))
        sel = sel[by_row]
        gap_routes.append(_gap_route(block, indptr, stacked_row[source[sel]], weight[sel]))

    return Routing(blocks, block_of, row_of, to_recorder, source, target, weight, delay, rport, tuple(spike_routes),
                   generator_connections, spike_recorder_sources, sampler_targets, gap_blocks,
                   tuple(gap_routes), bool(is_gap.any()))


def spike_ports(kernel, weights, rports):
    """Port index and value per spike (weight, rport at the target), NESTML's routing (see
    SPIKE_PORTS and RECEPTOR_TYPES of the kernel).

    With receptor types, a spike goes to the port of its receptor (port index = rport) with its
    sign kept. Otherwise, with an inhibitory port, negative weights go there with their sign
    flipped; everything else goes to the first other spike port with its sign kept.
    """
    weights = np.asarray(weights, np.float64)
    if kernel.RECEPTOR_TYPES:
        return np.broadcast_to(np.asarray(rports, np.int64), weights.shape).copy(), weights.copy()
    names = [q for _, q in kernel.SPIKE_PORTS]
    main = next((k for k, q in enumerate(names) if q != "inhibitory"), 0)
    ports = np.full(len(weights), main, np.int64)
    values = weights.copy()
    if "inhibitory" in names:
        negative = weights < 0
        ports[negative] = names.index("inhibitory")
        values[negative] = -weights[negative]
    return ports, values


def _spike_route(block, sources, rows, weights, rports, delays, n_ids) -> SpikeRoute:
    """The route of connections given grouped by source (in delivery order within a source)."""
    ports, values = spike_ports(block.kernel, weights, rports)
    indptr = np.zeros(n_ids + 1, np.int64)
    np.cumsum(np.bincount(sources, minlength=n_ids), out=indptr[1:])
    return SpikeRoute(block, indptr, rows, ports, values, delays)


def _group_by_row(rows, n_rows):
    """(indptr, order): ``order`` sorts entries by row, stably (creation order kept within a row)."""
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return indptr, order


def _gap_route(block, indptr, sources, weights) -> GapRoute:
    """The route, with its ``nonzero`` twin where some weights are 0."""
    kept = weights != 0.0
    if kept.all():
        return GapRoute(block, indptr, sources, weights)
    before = np.concatenate([[0], np.cumsum(kept)])  # kept entries before each entry
    nonzero = GapRoute(block, before[indptr], sources[kept], weights[kept])
    return GapRoute(block, indptr, sources, weights, nonzero)
