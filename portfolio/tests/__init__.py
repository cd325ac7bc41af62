"""Tests of the portfolio app."""
