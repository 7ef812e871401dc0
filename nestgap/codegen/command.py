"""``nestgap generate MODEL.nestml [-o DIR]``: write the model's generated Python kernel."""

from pathlib import Path


def configure_parser(parser):
    parser.add_argument("model", help="path of a .nestml model file")
    parser.add_argument("-o", "--output-dir", default=".",
                        help="folder for <model>.py (default: the current folder)")


def run(args) -> int:
    from ..frontend.loader import load_model
    from .generator import generate_python

    spec = load_model(args.model)
    target = Path(args.output_dir) / f"{spec.name}.py"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(generate_python(spec))
    print(f"wrote {target} (model {spec.name}, source sha256 {spec.sha256[:12]})")
    return 0
