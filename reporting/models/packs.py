"""The monthly packs made for each council and for the joint board (reporting.packs)."""
