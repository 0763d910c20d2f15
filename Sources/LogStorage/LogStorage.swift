// Storage module: see helpers.
