"""What pyproject.toml cannot say: the model files of models/ install as the package data
``nestgap.models`` (the one source of each shipped model, found by nestgap.model_registry)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["nestgap*", "reference_impl*"]), "nestgap.models"],
    package_dir={"nestgap.models": "models"},
    package_data={"nestgap": ["codegen/templates/*.jinja"], "nestgap.models": ["*.nestml"]},
)
