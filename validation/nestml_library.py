"""NESTML's model library as the conformance set of nestgap's pipeline.

    python -m validation.nestml_library [--models NAME,...] [--write docs/nestml_library.md]

Every neuron model file shipped in the nestml 9.0.0 wheel (``models/neurons/*.nestml``, found
through the installed distribution's file list) is

1. loaded by nestgap (NESTML's front end and NEST-target analysis), generated and compiled;
2. simulated on nestgap with a standard protocol (one neuron, h = 0.1 ms, 200 ms: rest,
   I_e steps of 200 and 500 pA, excitatory and inhibitory spikes of weight +-10, on receptor
   types where the model has them);
3. built with NESTML's NEST target into ONE NEST module for all models (cached by the
   files' contents, NESTML's version and nestgap/nest_module's corrections; the building
   blocks of ``nestgap build-nest-module``: full-precision literals, expression order kept,
   the rounding rewrite (f)), and the same protocol run on NEST with the module's model;
4. where NEST 3.10 has a built-in of the same dynamics (the file's name without
   ``_neuron``), the protocol is run on it too.

It prints (and with ``--write`` writes) the table: model x loads x runs x = NESTML module x
= NEST built-in, with the spike counts and max |dV| (mV) of the membrane potential (V_m,
every step) against nestgap.
"""

import argparse
import hashlib
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: the protocol: resolution, duration, I_e per quarter, spike input
RESOLUTION = 0.1
SIMTIME = 200.0
I_E_STEPS = (0.0, 200.0, 500.0, 0.0)  # pA, for 0-50, 50-100, 100-150, 150-200 ms
EXCITATORY = ([20.0, 25.0, 110.0, 160.0], 10.0)   # spike times (ms), weight (pA, nS or mV: the model's)
INHIBITORY = ([40.0, 130.0, 170.0], -10.0)
#: wall-clock limit of one protocol run (a model driven into a stiff corner makes GSL crawl, on both sides)
TIMEOUT = 300
MODULE_NAME = "nestmllibrary_module"


def library_model_files() -> list:
    """The neuron model files of the installed nestml distribution, by name."""
    files = [f for f in importlib.metadata.files("nestml")
             if f.name.endswith(".nestml") and f.parent.name == "neurons" and f.parent.parent.name == "models"]
    return sorted((Path(f.locate()).resolve() for f in files), key=lambda p: p.name)


def builtin_of(name, node_models) -> str | None:
    """NEST's built-in with the same dynamics: the model's name without ``_neuron``."""
    base = name.removesuffix("_neuron")
    return base if base in node_models else None


# --- the NESTML module --------------------------------------------------------------------------


def build_nestml_module(files, module_name=MODULE_NAME, log=print):
    """One NEST module with NESTML's NEST-target code of all ``files`` (NESTML's default options; full
    literals and expression order kept; the rounding rewrite (f)); cached. Returns the BuiltModule."""
    from nestgap.cache import cache_root
    from nestgap.nest_module import builder, nest_config
    from nestgap.nest_module.patches import CORRECTIONS

    nest = nest_config.resolve(None)
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for part in (builder.cache_key(b"", module_name, nest), json.dumps(_codegen_options(), sort_keys=True)):
        digest.update(part.encode())
    key = digest.hexdigest()[:16]
    install_dir = cache_root() / "nest_modules" / f"{module_name}-{key}"
    manifest = builder.BuiltModule.manifest_path(install_dir, module_name)
    if manifest.is_file():
        built = builder.BuiltModule.read(manifest)
        if built.library.is_file():
            built.cached = True
            return built
    builder.check_prerequisites(nest)
    start = time.monotonic()
    build_dir = cache_root() / "nest_modules" / "build" / f"{module_name}-{key}"
    source_dir, cmake_dir = build_dir / "src", build_dir / "cmake"
    source_dir.mkdir(parents=True, exist_ok=True)
    cmake_dir.mkdir(exist_ok=True)
    log_path = build_dir / "build.log"
    log(f"building {module_name} ({len(files)} models) with NESTML's NEST target (log: {log_path})")
    models = builder._generate(list(files), source_dir, module_name, nest, log_path, _codegen_options())
    rounding = next(c for c in CORRECTIONS if c.key == "f")
    for model in models:
        cpp = source_dir / f"{model}.cpp"
        cpp.write_text(rounding.apply(cpp.read_text(), model))
    config = nest.write_nest_config(build_dir / "nest-config")
    install_dir.mkdir(parents=True, exist_ok=True)
    log(f"  compiling {len(models)} models with cmake")
    for stage, command in (("cmake", ["cmake", "-S", source_dir, "-B", cmake_dir, f"-Dwith-nest={config}",
                                      f"-DCMAKE_INSTALL_PREFIX={install_dir}"]),
                           ("compilation", ["cmake", "--build", cmake_dir, "--parallel", str(os.cpu_count() or 1)]),
                           ("installation", ["cmake", "--install", cmake_dir])):
        builder._run_logged(command, cwd=build_dir, log_path=log_path, stage=stage)
    built = builder.BuiltModule(
        module_name=module_name, install_dir=str(install_dir), models=models, key=key,
        model_file=", ".join(str(f) for f in files), model_sha256=digest.hexdigest(),
        nestgap_version=builder.nestgap_version(), nestml_version=importlib.metadata.version("nestml"),
        nest=nest.description, build_dir=str(build_dir), build_seconds=round(time.monotonic() - start, 1),
        corrections=[f"{rounding.key}: {rounding.title}"])
    built.write()
    log(f"  built in {built.build_seconds} s")
    return built


def _codegen_options() -> dict:
    """NESTML's defaults (the library files have no options section), expression order kept."""
    from nestgap.frontend.options import Options

    return {**Options().nestml_codegen_options(), "preserve_expressions": True}


# --- the protocol ---------------------------------------------------------------------------------


def protocol(sim, model, reset=None):
    """One ``model`` neuron under the standard protocol on ``sim`` (nest or nestgap).

    ``reset``: called instead of ``sim.ResetKernel`` (loads a module again). Returns the
    membrane potential V_m at every step (empty for a model without one) and the spikes."""
    (reset or sim.ResetKernel)()
    sim.set(resolution=RESOLUTION)
    neuron = sim.Create(model)
    record = [name for name in ("V_m",) if name in sim.GetDefaults(model)["recordables"]]
    multimeter = sim.Create("multimeter", params={"interval": RESOLUTION, "record_from": record})
    recorder = sim.Create("spike_recorder")
    for times, weight, receptors in _spike_inputs(sim.GetDefaults(model).get("receptor_types", {})):
        generator = sim.Create("spike_generator", params={"spike_times": times})
        for receptor in receptors:
            sim.Connect(generator, neuron, syn_spec={"weight": weight, "delay": 1.0, "receptor_type": receptor})
    sim.Connect(multimeter, neuron)
    sim.Connect(neuron, recorder)
    has_i_e = "I_e" in sim.GetDefaults(model)
    for amplitude in I_E_STEPS:
        if has_i_e:
            neuron.set(I_e=amplitude)
        sim.Simulate(SIMTIME / len(I_E_STEPS))
    return {"record": record, "V": np.asarray(multimeter.events[record[0]] if record else [], float),
            "spikes": np.asarray(recorder.events["times"], float)}


def _spike_inputs(receptor_types):
    """(spike times, weight, receptor types) of the two spike trains. A model with receptor types
    (several spike ports) gets the excitatory train on the first half of its types and the
    inhibitory one, with a positive weight, on the others (AMPA, NMDA | GABA_A, GABA_B)."""
    if not receptor_types:
        return [(*EXCITATORY, [0]), (*INHIBITORY, [0])]
    types = sorted(receptor_types.values())
    half = (len(types) + 1) // 2
    return [(*EXCITATORY, types[:half]), (INHIBITORY[0], abs(INHIBITORY[1]), types[half:])]


@dataclass
class Comparison:
    same_spikes: bool
    max_dv: float
    spikes: tuple  # (nestgap's, the other's) numbers of spikes

    def cell(self) -> str:
        if self.max_dv != self.max_dv:  # no V_m on either side: the spikes alone
            return f"{'yes' if self.same_spikes else 'no'} (no V_m: spikes only); spikes {self.spikes[0]}/{self.spikes[1]}"
        if self.same_spikes and self.max_dv == 0:
            verdict = "**yes** (bitwise)"
        elif self.same_spikes and self.max_dv <= 1e-9:
            verdict = f"yes ({self.max_dv:.1e})"
        else:
            verdict = "no"
        return f"{verdict}; spikes {self.spikes[0]}/{self.spikes[1]}, max dV {self.max_dv:.3g}"


def compare(ours, theirs) -> Comparison:
    """Spikes identical? Largest |dV| over the steps (NaN without V_m, inf if the traces differ in length)."""
    n = min(len(ours["V"]), len(theirs["V"]))
    dv = float(np.max(np.abs(ours["V"][:n] - theirs["V"][:n]))) if n else float("nan")
    if len(ours["V"]) != len(theirs["V"]):
        dv = float("inf")
    same = len(ours["spikes"]) == len(theirs["spikes"]) and np.array_equal(ours["spikes"], theirs["spikes"])
    return Comparison(bool(same), dv, (len(ours["spikes"]), len(theirs["spikes"])))


@dataclass
class Row:
    name: str
    loads: str = ""
    runs: str = ""
    module: Comparison | str = ""
    builtin: Comparison | str = ""
    builtin_name: str = ""
    notes: list = field(default_factory=list)
    seconds: float = 0.0


def _first_line(text) -> str:
    """The first line of an error, without the file name and position of NESTML's messages."""
    text = re.sub(r"^\S*\.nestml:[^:]*:[^:]*: ", "", str(text).strip())
    if not text:
        return "?"
    line = text.splitlines()[0]
    return line if len(line) <= 160 else line.split("; ")[0][:160]  # its first clause where it is long


def run_isolated(simulator, model, path=None, library=None):
    """The protocol in a child process (a crash or a model that makes GSL crawl stops only the child):
    its result, or ``{"stage": "load" | "run", "error": text}``. On nestgap the model is loaded (its
    kernel generated and compiled) by a child of its own first, without a time limit."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if simulator == "nestgap":
        loaded = subprocess.run([sys.executable, "-c", "import sys; from nestgap.codegen.cache import kernel_module; "
                                 "kernel_module(sys.argv[1])", str(path)], capture_output=True, text=True, cwd=ROOT,
                                env=env)
        if loaded.returncode != 0:
            return {"stage": "load", "error": _first_line(_last_error(loaded.stderr) or f"exit {loaded.returncode}")}
    command = [sys.executable, "-m", "validation.nestml_library", "--child", simulator, model,
               str(path or ""), str(library or "")]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return {"stage": "run", "error": f"no result within {TIMEOUT} s (GSL's steps became tiny)"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"stage": "run", "error": _first_line((done.stderr or "").strip().splitlines()[-1:] or
                                                     f"exit {done.returncode}")}
    result = json.loads(lines[-1])
    if "error" not in result:
        result["V"], result["spikes"] = np.asarray(result["V"]), np.asarray(result["spikes"])
    return result


def _last_error(stderr) -> str:
    """The exception line of a child's traceback (the message without the exception's class)."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1].split(": ", 1)[-1] if lines else ""


def _child(simulator, model, path, library):
    """In the child: one protocol run, printed as one JSON line."""
    if simulator == "nestgap":
        import nestgap as sim
        from nestgap.exceptions import ToolchainError

        sim.Install(path)
        try:
            sim.Create(model)  # generates and compiles the kernel (NESTML's errors: the file does not load)
        except ToolchainError as error:
            return {"stage": "load", "error": _first_line(error)}
        reset = None
    else:
        import nest as sim
        from nestgap.nest_module import install

        sim.verbosity = sim.VerbosityLevel.ERROR

        def reset():
            sim.ResetKernel()
            if library:
                install(library)
    try:
        result = protocol(sim, model, reset=reset)
    except sim.NESTErrors.KernelException as error:
        return {"stage": "run", "error": _first_line(error)}
    return {"V": result["V"].tolist(), "spikes": result["spikes"].tolist()}


def run(names=None, log=print) -> list:
    import nest

    files = [f for f in library_model_files() if names is None or f.stem in names]
    rows = {f.stem: Row(f.stem) for f in files}
    ours = {}
    for path in files:
        row, start = rows[path.stem], time.monotonic()
        result = run_isolated("nestgap", path.stem, path=path)
        if result.get("stage") == "load":
            row.loads = "no"
        else:
            row.loads = "yes"
            row.runs = "no" if "error" in result else "yes"
        if "error" in result:
            row.notes.append(result["error"])
        else:
            ours[path.stem] = result
        row.seconds = time.monotonic() - start
        log(f"{path.stem}: loads {row.loads}, runs {row.runs or '-'} ({row.seconds:.0f} s)")

    built = build_nestml_module(files, log=log)
    node_models = set(nest.node_models)
    for path in ours:
        row = rows[path]
        module_model = f"{path}_nestml"
        if module_model in built.models:
            row.module = _compared(ours[path], run_isolated("nest", module_model, library=built.library))
        else:
            row.module = "not built by NESTML"
        row.builtin_name = builtin_of(path, node_models) or ""
        if row.builtin_name:
            row.builtin = _compared(ours[path], run_isolated("nest", row.builtin_name))
        log(f"{path}: module {row.module if isinstance(row.module, str) else row.module.cell()}")
    return list(rows.values())


def _compared(ours, theirs):
    return f"NEST: {theirs['error']}" if "error" in theirs else compare(ours, theirs)


def table(rows) -> str:
    lines = ["| model | loads | runs | = NESTML module | = NEST built-in |", "|---|---|---|---|---|"]
    for row in rows:
        module = row.module.cell() if isinstance(row.module, Comparison) else (row.module or "-")
        builtin = (f"`{row.builtin_name}`: "
                   f"{row.builtin.cell() if isinstance(row.builtin, Comparison) else row.builtin}"
                   if row.builtin_name else "(none)")
        note = f" ({'; '.join(row.notes)})" if row.notes else ""
        lines.append(f"| `{row.name}` | {row.loads or '-'} | {(row.runs or '-') + note} | {module} | {builtin} |")
    return "\n".join(lines)


def summary(rows) -> str:
    compared = [r.module for r in rows if isinstance(r.module, Comparison)]
    bitwise = sum(c.same_spikes and (c.max_dv == 0 or c.max_dv != c.max_dv) for c in compared)
    close = sum(c.same_spikes and 0 < c.max_dv <= 1e-9 for c in compared)
    return (f"{len(rows)} model files: {sum(r.loads == 'yes' for r in rows)} load, "
            f"{sum(r.runs == 'yes' for r in rows)} run on nestgap; against NESTML's module: "
            f"{bitwise} bitwise, {close} within 1e-9 mV, {len(compared) - bitwise - close} differ")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated model names (default: all)")
    parser.add_argument("--write", metavar="MARKDOWN", help="also write the table into this file")
    parser.add_argument("--child", nargs=4, metavar=("SIMULATOR", "MODEL", "FILE", "LIBRARY"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0
    rows = run(args.models.split(",") if args.models else None)
    text = f"{table(rows)}\n\n{summary(rows)}\n"
    print(text)
    if args.write:
        _write(Path(args.write), text)
    return 0


def _write(path, text):
    """Replace the generated part of ``path`` (between the markers) by ``text``."""
    begin, end = "<!-- nestml_library: begin -->", "<!-- nestml_library: end -->"
    old = path.read_text() if path.is_file() else f"{begin}\n{end}\n"
    head, rest = old.split(begin, 1)
    tail = rest.split(end, 1)[1]
    path.write_text(f"{head}{begin}\n{text}{end}{tail}")


if __name__ == "__main__":
    sys.exit(main())
