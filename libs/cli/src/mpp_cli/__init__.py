"""The ``mpp`` command line: ``mpp up`` runs everything on one machine."""
