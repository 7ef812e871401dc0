"""Figures of the project: test case 2 of Hahne et al. (2015)."""
