"""The read side: projections of the event store, each exactly once and rebuildable."""
