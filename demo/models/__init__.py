"""The demo fleet's model specs, one module per business unit, each listing its models in ``MODELS``.

``demo.fleet`` puts the units together in the fleet's order; ``columns`` and ``versions`` hold what several
units share (column shorthands, the protected attributes, the usual version histories).
"""
