"""``nestgap figure test-case-2``: run the gallery network at 0, 0.3, 0.54, 0.7 nS and draw it."""

import sys
import time


def configure_parser(parser):
    parser.add_argument("name", choices=["test-case-2"], help="the figure to make")
    parser.add_argument("-o", "--output", default="test_case_2", help="file name stem for .png and .svg")
    parser.add_argument("--weights", default="0,0.3,0.54,0.7", help="gap weights in nS, comma-separated")
    parser.add_argument("--simtime", type=float, default=501.0, help="simulated time per weight (ms)")
    parser.add_argument("--seed", type=int, default=None, help="rng_seed (default: NEST's default)")


def run(args) -> int:
    import nestgap

    from .test_case_2 import draw, run_network

    weights = [float(w) for w in args.weights.split(",")]
    results = []
    started = time.perf_counter()
    for k, weight in enumerate(weights):
        print(f"[{k + 1}/{len(weights)}] gap weight {weight:g} nS ({time.perf_counter() - started:.0f} s so far)",
              file=sys.stderr)
        result = run_network(nestgap, weight, simtime=args.simtime, rng_seed=args.seed, print_time=True)
        print(f"    {result['n_spikes']} spikes, rate {result['rate']:.2f} /s, chi {result['chi']:.3f}, "
              f"CV {result['cv']:.2f}", file=sys.stderr)
        results.append(result)
    for path in draw(results, args.output, simtime=args.simtime):
        print(f"wrote {path}")
    return 0
