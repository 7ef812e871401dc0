"""The random numbers of neuron models that call NESTML's random functions, drawn ahead.

NESTML's NEST target draws ``random_normal(mu, sigma)`` during a neuron's update,
from the neuron's own standard normal distribution object (whose polar method
keeps a second value for its next call) and the vp-specific stream of the
neuron's virtual process. NEST updates the nodes of a thread one after the
other in ascending id, each for all lags of the slice before the next
(docs/nest_vp_structure.md 1.3), so a VP's stream serves, in id order, every
node that draws: neurons and devices such as poisson_generator alike.

nestgap's compiled kernel updates sixteen neurons side by side, so the numbers
a neuron will draw in lags [frm, to) are drawn here beforehand, in NEST's
order, into its block's ``RAND`` buffer (lag, call site), with its cache in
``RAND_CACHE``; the engine interleaves them with the devices' draws by node id
(docs/models.md).
"""


class NeuronDraws:
    """The neurons whose kernels draw (``RANDOM_DRAWS``), in id order, and a cursor over them for
    one piece of a slice."""

    def __init__(self, blocks):
        rows = [(int(node_id), block, row) for block in blocks if block.kernel.RANDOM_DRAWS
                for row, node_id in enumerate(block.ids)]
        self.neurons = sorted(rows, key=lambda item: item[0])
        self._next = 0
        self._lags = (0, 0)

    def start(self, frm, to):
        """A new piece of a slice: lags [frm, to)."""
        self._next = 0
        self._lags = (frm, to)

    def draw_below(self, node_id, streams):
        """Every neuron with an id below ``node_id`` not drawn yet in this piece draws its values
        from the vp-specific stream of its VP (node id mod the number of VPs)."""
        frm, to = self._lags
        while self._next < len(self.neurons) and self.neurons[self._next][0] < node_id:
            neuron_id, block, row = self.neurons[self._next]
            n_sites = len(block.kernel.RANDOM_DRAWS)
            stream = streams.vp_specific[neuron_id % streams.n_vp]
            values = stream.normal(block.buffers["RAND_CACHE"][row], 0.0, 1.0, (to - frm) * n_sites)
            block.buffers["RAND"][row, frm:to, :] = values.reshape(to - frm, n_sites)
            self._next += 1

    def draw_rest(self, streams):
        if self._next < len(self.neurons):
            self.draw_below(self.neurons[-1][0] + 1, streams)
