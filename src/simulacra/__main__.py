"""`python -m simulacra` runs the command line."""

from .cli import main

main()
