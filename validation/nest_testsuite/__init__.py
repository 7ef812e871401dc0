"""NEST 3.10's own test suite as nestgap's conformance bar (run: ``python -m validation.nest_testsuite``).

sources.py fetches the tests, runner.py runs each file on NEST and on nestgap
(through shim/nest, which is nestgap under the name ``nest``), plugin.py and
usage.py record outcomes and what each test used, classify.py decides scope and
the cause of each failure, report.py makes the tables.
"""
