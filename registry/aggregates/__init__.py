"""The write model: event-sourced aggregates."""
