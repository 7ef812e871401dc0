"""The NESTML model files shipped with nestgap, installed as the package data ``nestgap.models``
(see nestgap/model_registry.py)."""
