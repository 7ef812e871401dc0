"""Networks written once against the PyNEST API, run unchanged on NEST and on nestgap.

Every builder takes the simulator module (``nest`` or ``nestgap``) as its first
argument and builds in a fresh kernel, so that tests, validation scripts,
benchmarks, figures and the example compare the two simulators on the same code.
"""
