"""certregistry: the event-sourced registry of CESI-SC-OD13 service certificates."""
