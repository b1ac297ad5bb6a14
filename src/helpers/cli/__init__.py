"""The command line, ``python -m helpers``: thin wrappers over the package's functions."""
