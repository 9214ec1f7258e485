"""Mutations, one per module; each answers ``errors { field code message }`` for bad input and changes nothing then."""
