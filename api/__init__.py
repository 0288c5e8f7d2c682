"""The HTTP adapter: parse, delegate to the registry, translate errors into problem JSON."""
