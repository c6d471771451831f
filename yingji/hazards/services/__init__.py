"""Every write of the hazards capability is a function here (one module per part)."""
