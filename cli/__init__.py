"""``govern``, the command line: outside the core, since its commands start the Prefect flows."""
