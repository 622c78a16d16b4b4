"""``python -m openzoo`` runs the command line (and ``torchrun -m openzoo train ...`` trains with DDP)."""

from openzoo.cli import main

if __name__ == "__main__":
    main()
